package dev.tollgate.plugin.cors;

import dev.tollgate.runtime.testing.GatewayClients;
import dev.tollgate.runtime.testing.GatewayClients.Answer;
import dev.tollgate.runtime.testing.GatewayClients.Transport;
import dev.tollgate.plugin.backendhttp.HttpBackendPlugin;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cors filter on every response, errors included (SPI 1.2: errors travel back through the
 * filters that ran), over real sockets (HTTP/1.1, HTTP/2 over TLS, h2c). One named instance,
 * {@code gateway.filters.api-cors { type = cors, … }}, is used two ways: in
 * {@code gateway.global-filters}, where it sees routing's own answers (404, 405, 413) and
 * answers preflights before routing, so a route restricting its methods needs no
 * {@code OPTIONS}; and on the routes, where it sees a backend's 502 and a later filter's 429 but
 * not what routing refuses before any route filter runs.
 */
class CorsOnErrorsGatewayTest {
    private static final String APP = "https://app.example";
    private static final String EVIL = "https://evil.test";

    private static TestGateway global;
    private static TestGateway perRoute;
    private static GatewayClients globalClients;
    private static GatewayClients perRouteClients;

    /** Where the named instance is listed. */
    enum Setup {
        GLOBAL, ROUTE;

        GatewayClients clients() {
            return this == GLOBAL ? globalClients : perRouteClients;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String common = """
                server.limits.max-request-body-size = 100
                filters {
                  api-cors {
                    type = cors
                    allowed-origins   = ["https://app.example"]
                    allowed-methods   = [GET, POST, PUT]
                    allowed-headers   = [Content-Type]
                    exposed-headers   = [Retry-After, X-Request-Id]
                    allow-credentials = true
                    max-age           = 10m
                  }
                }
                services { gone { backend = http, instances = ["http://127.0.0.1:%d"], retries.attempts = 1,
                                  passive-health.enabled = false, circuit-breaker.enabled = false } }
                """.formatted(closedPort);
        global = gateway(common + """
                global-filters = [ api-cors ]
                routes = [
                  { path = "/only-get", methods = [GET], endpoint = test-echo }
                  { path = "/restricted/**", methods = [GET, POST], endpoint = test-echo }
                  { path = "/other-policy/**", endpoint = test-echo, filters = [ { type = cors, allowed-origins = ["https://other.example"] } ] }
                  { path = "/gone/**", service = gone }
                  { path = "/limited", endpoint = test-echo, filters = [
                      { type = test-refuse, status = 429, headers { Retry-After = "1" }, order = 400 } ] }
                ]
                """);
        perRoute = gateway(common + """
                routes = [
                  { path = "/only-get", methods = [GET], endpoint = test-echo, filters = [ api-cors ] }
                  { path = "/gone/**", service = gone, filters = [ api-cors ] }
                  { path = "/limited", endpoint = test-echo, filters = [
                      api-cors
                      { type = test-refuse, status = 429, headers { Retry-After = "1" }, order = 400 } ] }
                  { path = "/open-gone/**", service = gone, filters = [ { type = cors, allowed-origins = ["*"] } ] }
                ]
                """);
        globalClients = new GatewayClients(global);
        perRouteClients = new GatewayClients(perRoute);
    }

    private static TestGateway gateway(String config) throws Exception {
        return TestGateway.builder()
                .plugin("cors", new CorsPlugin())
                .plugin("backend-http", new HttpBackendPlugin())
                .config(config)
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {globalClients, perRouteClients, global, perRoute}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    static Stream<Arguments> setupsAndTransports() {
        return Arrays.stream(Setup.values()).flatMap(setup -> Arrays.stream(Transport.values()).map(transport -> Arguments.of(setup, transport)));
    }

    /** The headers the api-cors instance gives an allowed origin on an actual request's response. */
    private static void assertAllowedCorsHeaders(Answer answer) {
        assertThat(answer.accessControlHeaders()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "access-control-allow-origin", List.of(APP),
                "access-control-allow-credentials", List.of("true"),
                "access-control-expose-headers", List.of("Retry-After, X-Request-Id")));
        assertThat(answer.varyTokens()).containsExactly("origin");
    }

    private static void assertJsonError(Answer answer, int status, String code) {
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).containsExactly("application/json");
        assertThat(answer.body()).contains("\"code\":\"" + code + "\"");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void routingsNotFoundAndMethodNotAllowedCarryTheCorsHeadersOfTheGatewayWideInstance(Transport transport) throws Exception {
        Answer notFound = globalClients.send(transport, "GET", "/nowhere", "Origin", APP);
        assertThat(notFound.version()).isEqualTo(transport.version);
        assertJsonError(notFound, 404, "NOT_FOUND");
        assertAllowedCorsHeaders(notFound);

        Answer notAllowed = globalClients.send(transport, "DELETE", "/only-get", "Origin", APP);
        assertJsonError(notAllowed, 405, "METHOD_NOT_ALLOWED");
        assertThat(notAllowed.header("Allow")).containsExactly("GET");
        assertAllowedCorsHeaders(notAllowed);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aBodyOverTheLimitIsRefusedWithTheCorsHeaders(Transport transport) throws Exception {
        Answer tooLarge = globalClients.sendWithBody(transport, "POST", "/restricted/upload", "x".repeat(101), "Origin", APP);
        assertJsonError(tooLarge, 413, "PAYLOAD_TOO_LARGE");
        assertAllowedCorsHeaders(tooLarge);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setupsAndTransports")
    void aBackendFailureCarriesTheCorsHeaders(Setup setup, Transport transport) throws Exception {
        Answer answer = setup.clients().send(transport, "GET", "/gone/x", "Origin", APP);
        assertThat(answer.version()).isEqualTo(transport.version);
        assertJsonError(answer, 502, "BAD_GATEWAY");
        assertAllowedCorsHeaders(answer);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setupsAndTransports")
    void aLaterFiltersRefusalKeepsItsOwnHeadersAndGetsTheCorsHeaders(Setup setup, Transport transport) throws Exception {
        Answer answer = setup.clients().send(transport, "GET", "/limited", "Origin", APP);
        assertJsonError(answer, 429, "TOO_MANY_REQUESTS");
        assertThat(answer.header("Retry-After")).containsExactly("1");
        assertAllowedCorsHeaders(answer);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setupsAndTransports")
    void aDisallowedOriginGetsNoCorsHeadersOnErrorsButVaryOrigin(Setup setup, Transport transport) throws Exception {
        for (String path : List.of("/gone/x", "/limited")) {
            Answer disallowed = setup.clients().send(transport, "GET", path, "Origin", EVIL);
            assertThat(disallowed.status()).as(path).isIn(502, 429);
            assertThat(disallowed.accessControlHeaders()).as(path).isEmpty();
            assertThat(disallowed.varyTokens()).as(path).containsExactly("origin");

            Answer sameOrigin = setup.clients().send(transport, "GET", path);
            assertThat(sameOrigin.accessControlHeaders()).as(path).isEmpty();
            assertThat(sameOrigin.varyTokens()).as(path + ": a cache must not serve this to a cross-origin request").containsExactly("origin");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aDisallowedOriginGetsNoCorsHeadersOnRoutingsErrorsButVaryOrigin(Transport transport) throws Exception {
        Answer notFound = globalClients.send(transport, "GET", "/nowhere", "Origin", EVIL);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.accessControlHeaders()).isEmpty();
        assertThat(notFound.varyTokens()).containsExactly("origin");

        Answer notAllowed = globalClients.send(transport, "DELETE", "/only-get", "Origin", EVIL);
        assertThat(notAllowed.status()).isEqualTo(405);
        assertThat(notAllowed.accessControlHeaders()).isEmpty();
        assertThat(notAllowed.varyTokens()).containsExactly("origin");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anyOriginAllowedPutsStarOnErrorsWithoutVaryOrigin(Transport transport) throws Exception {
        Answer answer = perRouteClients.send(transport, "GET", "/open-gone/x", "Origin", EVIL);
        assertJsonError(answer, 502, "BAD_GATEWAY");
        assertThat(answer.accessControlHeaders()).containsExactly(Map.entry("access-control-allow-origin", List.of("*")));
        assertThat(answer.varyTokens()).as("the answer does not depend on the origin").doesNotContain("origin");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theGatewayWideInstanceAnswersAPreflightToARouteWithoutOptionsInsteadOfRoutings405(Transport transport) throws Exception {
        for (String path : List.of("/restricted/things", "/only-get", "/nowhere")) {
            Answer preflight = globalClients.send(transport, "OPTIONS", path, "Origin", APP,
                    "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type");
            assertThat(preflight.version()).isEqualTo(transport.version);
            assertThat(preflight.status()).as(path).isEqualTo(204);
            assertThat(preflight.body()).as(path).isEmpty();
            assertThat(preflight.header("Allow")).as(path + ": not routing's answer").isEmpty();
            assertThat(preflight.accessControlHeaders()).as(path).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "access-control-allow-origin", List.of(APP),
                    "access-control-allow-credentials", List.of("true"),
                    "access-control-allow-methods", List.of("GET, POST, PUT"),
                    "access-control-allow-headers", List.of("Content-Type"),
                    "access-control-max-age", List.of("600")));
            assertThat(preflight.varyTokens()).as(path)
                    .containsExactlyInAnyOrder("origin", "access-control-request-method", "access-control-request-headers");
        }

        Answer actual = globalClients.sendWithBody(transport, "POST", "/restricted/things", "{}", "Origin", APP, "Content-Type", "application/json");
        assertThat(actual.status()).as("the actual request then reaches the route").isEqualTo(200);
        assertThat(actual.body()).contains("\"method\":\"POST\"");
        assertAllowedCorsHeaders(actual);

        Answer refused = globalClients.send(transport, "OPTIONS", "/restricted/things", "Origin", EVIL, "Access-Control-Request-Method", "GET");
        assertJsonError(refused, 403, "FORBIDDEN");
        assertThat(refused.body()).contains("CORS preflight refused");
        assertThat(refused.accessControlHeaders()).isEmpty();

        Answer notAPreflight = globalClients.send(transport, "OPTIONS", "/restricted/things", "Origin", APP);
        assertThat(notAPreflight.status()).as("an OPTIONS that is not a preflight is routed like any request").isEqualTo(405);
        assertThat(notAPreflight.header("Allow")).containsExactly("GET, POST");
        assertAllowedCorsHeaders(notAPreflight);
    }

    @Test
    void withAGatewayWideInstanceItsPolicyIsTheOneClientsSee() throws Exception {
        Answer routeOnly = globalClients.send(Transport.HTTP_1_1, "GET", "/other-policy/x", "Origin", "https://other.example");
        assertThat(routeOnly.status()).isEqualTo(200);
        assertThat(routeOnly.accessControlHeaders()).as("allowed by the route's instance only").isEmpty();
        assertThat(routeOnly.varyTokens()).containsExactly("origin");

        Answer gatewayWide = globalClients.send(Transport.HTTP_1_1, "GET", "/other-policy/x", "Origin", APP);
        assertThat(gatewayWide.status()).isEqualTo(200);
        assertAllowedCorsHeaders(gatewayWide);

        Answer preflight = globalClients.send(Transport.HTTP_1_1, "OPTIONS", "/other-policy/x", "Origin", "https://other.example",
                "Access-Control-Request-Method", "GET");
        assertThat(preflight.status()).as("answered before routing, by the gateway-wide policy").isEqualTo(403);
    }

    @Test
    void aRouteInstanceSeesNothingRoutingRefusesBeforeTheRoutesFilters() throws Exception {
        Answer preflight = perRouteClients.send(Transport.HTTP_1_1, "OPTIONS", "/only-get", "Origin", APP, "Access-Control-Request-Method", "GET");
        assertThat(preflight.status()).as("why cors belongs in global-filters").isEqualTo(405);
        assertThat(preflight.accessControlHeaders()).isEmpty();

        Answer notFound = perRouteClients.send(Transport.HTTP_1_1, "GET", "/nowhere", "Origin", APP);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.accessControlHeaders()).isEmpty();
    }
}
