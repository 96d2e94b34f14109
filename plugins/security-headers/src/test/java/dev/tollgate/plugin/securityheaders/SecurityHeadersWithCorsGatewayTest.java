package dev.tollgate.plugin.securityheaders;

import dev.tollgate.runtime.testing.GatewayClients;
import dev.tollgate.runtime.testing.GatewayClients.Answer;
import dev.tollgate.runtime.testing.GatewayClients.Transport;
import dev.tollgate.plugin.cors.CorsPlugin;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * security-headers and cors side by side in {@code gateway.global-filters}, listed in either
 * order: security-headers runs first (order {@code SECURITY - 10}, cors {@code SECURITY}), so it
 * wraps cors and its headers are also on the preflight answers cors gives itself (204) and on
 * the preflights it refuses (403), as well as on routing's errors with the CORS headers.
 */
class SecurityHeadersWithCorsGatewayTest {
    private static final String APP = "https://app.example";

    private static TestGateway corsListedFirst;
    private static TestGateway headersListedFirst;
    private static GatewayClients corsListedFirstClients;
    private static GatewayClients headersListedFirstClients;

    /** The order of the two instances in global-filters. */
    enum Listing {
        CORS_FIRST, SECURITY_HEADERS_FIRST;

        GatewayClients clients() {
            return this == CORS_FIRST ? corsListedFirstClients : headersListedFirstClients;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        String common = """
                filters {
                  api-cors { type = cors, allowed-origins = ["https://app.example"], allowed-methods = [GET, POST, PUT] }
                  strict   { type = security-headers }
                }
                routes = [ { path = "/restricted/**", methods = [GET, POST], endpoint = test-echo } ]
                """;
        corsListedFirst = gateway(common + "global-filters = [ api-cors, strict ]");
        headersListedFirst = gateway(common + "global-filters = [ strict, api-cors ]");
        corsListedFirstClients = new GatewayClients(corsListedFirst);
        headersListedFirstClients = new GatewayClients(headersListedFirst);
    }

    private static TestGateway gateway(String config) throws Exception {
        return TestGateway.builder()
                .plugin("security-headers", new SecurityHeadersPlugin())
                .plugin("cors", new CorsPlugin())
                .config(config)
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {corsListedFirstClients, headersListedFirstClients, corsListedFirst, headersListedFirst}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    static Stream<Arguments> listingsAndTransports() {
        return Arrays.stream(Listing.values()).flatMap(listing -> Arrays.stream(Transport.values()).map(transport -> Arguments.of(listing, transport)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("listingsAndTransports")
    void aPreflightAnsweredByCorsCarriesTheSecurityHeaders(Listing listing, Transport transport) throws Exception {
        Answer preflight = listing.clients().send(transport, "OPTIONS", "/restricted/x", "Origin", APP, "Access-Control-Request-Method", "PUT");
        assertThat(preflight.status()).as("cors answers before routing's 405").isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).containsExactly(APP);
        assertThat(preflight.header("Access-Control-Allow-Methods")).containsExactly("GET, POST, PUT");
        SecurityHeadersOnErrorsGatewayTest.assertSecurityHeaders(preflight, transport);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("listingsAndTransports")
    void aPreflightRefusedByCorsCarriesTheSecurityHeaders(Listing listing, Transport transport) throws Exception {
        Answer refused = listing.clients().send(transport, "OPTIONS", "/restricted/x", "Origin", "https://evil.test",
                "Access-Control-Request-Method", "GET");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("CORS preflight refused");
        assertThat(refused.header("Access-Control-Allow-Origin")).isEmpty();
        SecurityHeadersOnErrorsGatewayTest.assertSecurityHeaders(refused, transport);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("listingsAndTransports")
    void routingsErrorsCarryBothPluginsHeaders(Listing listing, Transport transport) throws Exception {
        Answer notFound = listing.clients().send(transport, "GET", "/nowhere", "Origin", APP);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.header("Access-Control-Allow-Origin")).containsExactly(APP);
        assertThat(notFound.header("Vary")).containsExactly("Origin");
        SecurityHeadersOnErrorsGatewayTest.assertSecurityHeaders(notFound, transport);

        Answer notAllowed = listing.clients().send(transport, "DELETE", "/restricted/x", "Origin", APP);
        assertThat(notAllowed.status()).isEqualTo(405);
        assertThat(notAllowed.header("Access-Control-Allow-Origin")).containsExactly(APP);
        SecurityHeadersOnErrorsGatewayTest.assertSecurityHeaders(notAllowed, transport);
    }
}
