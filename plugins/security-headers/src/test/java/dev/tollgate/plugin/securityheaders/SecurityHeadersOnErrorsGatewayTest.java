package dev.tollgate.plugin.securityheaders;

import dev.tollgate.runtime.testing.GatewayClients;
import dev.tollgate.runtime.testing.GatewayClients.Answer;
import dev.tollgate.runtime.testing.GatewayClients.Transport;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.plugin.backendhttp.HttpBackendPlugin;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ServerSocket;
import java.util.Arrays;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The security-headers filter on every response, errors included (SPI 1.2: errors travel back
 * through the filters that ran), over real sockets (HTTP/1.1, HTTP/2 over TLS, h2c). One named
 * instance, {@code gateway.filters.strict { type = security-headers }}, is used in
 * {@code gateway.global-filters}, where it also sees routing's 404 and 405, and on the routes,
 * where it sees a backend's 502, a backend's own 503 and a later filter's 429 but not what
 * routing refuses before any route filter runs. HSTS only over TLS, errors included; {@code Server}
 * and {@code X-Powered-By} removed from errors too. With an instance on a route as well as the
 * gateway-wide one, the route's (the inner one) decides for that route's responses.
 */
class SecurityHeadersOnErrorsGatewayTest {
    private static final String HSTS = "max-age=31536000; includeSubDomains";
    private static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";
    private static final String APP_POLICY = "default-src 'self'";

    private static WireMockServer backend;
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
        backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "text/html")
                .withHeader("Server", "nginx/1.25.3")
                .withHeader("X-Powered-By", "PHP/8.3.0")
                .withHeader("X-Frame-Options", "ALLOWALL")
                .withBody("<h1>down for maintenance</h1>")));
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String common = """
                filters {
                  strict { type = security-headers }
                  app-headers { type = security-headers, content-security-policy = "%s", x-frame-options = SAMEORIGIN, remove = [] }
                }
                services {
                  gone  { backend = http, instances = ["http://127.0.0.1:%d"], retries.attempts = 1,
                          passive-health.enabled = false, circuit-breaker.enabled = false }
                  flaky { backend = http, instances = ["http://127.0.0.1:%d"], retries.attempts = 1,
                          passive-health.enabled = false, circuit-breaker.enabled = false }
                }
                """.formatted(APP_POLICY, closedPort, backend.port());
        String refuse = "{ type = test-refuse, status = 429, order = 400, headers { Retry-After = \"1\", Server = \"leaky/1.0\", X-Powered-By = Express } }";
        global = gateway(common + """
                global-filters = [ strict ]
                routes = [
                  { path = "/only-get", methods = [GET], endpoint = test-echo }
                  { path = "/gone/**", service = gone }
                  { path = "/failing/**", service = { name = flaky, strip-prefix = "/failing" } }
                  { path = "/limited", endpoint = test-echo, filters = [ %s ] }
                  { path = "/app/gone/**", service = gone, filters = [ app-headers ] }
                  { path = "/app/**", endpoint = test-echo, filters = [ app-headers ] }
                ]
                """.formatted(refuse));
        perRoute = gateway(common + """
                routes = [
                  { path = "/only-get", methods = [GET], endpoint = test-echo, filters = [ strict ] }
                  { path = "/gone/**", service = gone, filters = [ strict ] }
                  { path = "/failing/**", service = { name = flaky, strip-prefix = "/failing" }, filters = [ strict ] }
                  { path = "/limited", endpoint = test-echo, filters = [ strict, %s ] }
                ]
                """.formatted(refuse));
        globalClients = new GatewayClients(global);
        perRouteClients = new GatewayClients(perRoute);
    }

    private static TestGateway gateway(String config) throws Exception {
        return TestGateway.builder()
                .plugin("security-headers", new SecurityHeadersPlugin())
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
        if (backend != null) {
            backend.stop();
        }
    }

    static Stream<Arguments> setupsAndTransports() {
        return Arrays.stream(Setup.values()).flatMap(setup -> Arrays.stream(Transport.values()).map(transport -> Arguments.of(setup, transport)));
    }

    /** The defaults of the strict instance, HSTS exactly when the request came over TLS, no banner. */
    static void assertSecurityHeaders(Answer answer, Transport transport) {
        assertThat(answer.version()).isEqualTo(transport.version);
        assertThat(answer.header("Content-Security-Policy")).containsExactly(API_POLICY);
        assertThat(answer.header("X-Frame-Options")).containsExactly("DENY");
        assertThat(answer.header("X-Content-Type-Options")).containsExactly("nosniff");
        assertThat(answer.header("Referrer-Policy")).containsExactly("no-referrer");
        assertThat(answer.header("Permissions-Policy")).singleElement().asString().startsWith("accelerometer=(), camera=()");
        if (transport.secure) {
            assertThat(answer.header("Strict-Transport-Security")).containsExactly(HSTS);
        }
        else {
            assertThat(answer.header("Strict-Transport-Security")).as("never over clear text").isEmpty();
        }
        assertThat(answer.header("Server")).isEmpty();
        assertThat(answer.header("X-Powered-By")).isEmpty();
    }

    private static void assertJsonError(Answer answer, int status, String code) {
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).containsExactly("application/json");
        assertThat(answer.body()).contains("\"code\":\"" + code + "\"");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void routingsNotFoundAndMethodNotAllowedCarryTheHeadersOfTheGatewayWideInstance(Transport transport) throws Exception {
        Answer notFound = globalClients.send(transport, "GET", "/nowhere");
        assertJsonError(notFound, 404, "NOT_FOUND");
        assertSecurityHeaders(notFound, transport);

        Answer notAllowed = globalClients.send(transport, "DELETE", "/only-get");
        assertJsonError(notAllowed, 405, "METHOD_NOT_ALLOWED");
        assertThat(notAllowed.header("Allow")).containsExactly("GET");
        assertSecurityHeaders(notAllowed, transport);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setupsAndTransports")
    void aBackendFailureCarriesTheHeaders(Setup setup, Transport transport) throws Exception {
        Answer answer = setup.clients().send(transport, "GET", "/gone/x");
        assertJsonError(answer, 502, "BAD_GATEWAY");
        assertSecurityHeaders(answer, transport);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setupsAndTransports")
    void aBackendsOwnErrorLosesItsBannerAndGetsTheHeaders(Setup setup, Transport transport) throws Exception {
        Answer answer = setup.clients().send(transport, "GET", "/failing/x");
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.body()).isEqualTo("<h1>down for maintenance</h1>");
        assertSecurityHeaders(answer, transport);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setupsAndTransports")
    void aLaterFiltersRefusalKeepsItsOwnHeadersAndLosesTheBanner(Setup setup, Transport transport) throws Exception {
        Answer answer = setup.clients().send(transport, "GET", "/limited");
        assertJsonError(answer, 429, "TOO_MANY_REQUESTS");
        assertThat(answer.header("Retry-After")).containsExactly("1");
        assertSecurityHeaders(answer, transport);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRouteInstanceSeesNothingRoutingRefusesBeforeTheRoutesFilters(Transport transport) throws Exception {
        Answer notFound = perRouteClients.send(transport, "GET", "/nowhere");
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.header("X-Frame-Options")).as("why security-headers belongs in global-filters").isEmpty();

        Answer notAllowed = perRouteClients.send(transport, "DELETE", "/only-get");
        assertThat(notAllowed.status()).isEqualTo(405);
        assertThat(notAllowed.header("X-Frame-Options")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRoutesOwnInstanceDecidesForItsResponsesOverTheGatewayWideOne(Transport transport) throws Exception {
        for (String path : new String[] {"/app/page", "/app/gone/x"}) {
            Answer answer = globalClients.send(transport, "GET", path);
            assertThat(answer.status()).as(path).isIn(200, 502);
            assertThat(answer.header("Content-Security-Policy")).as(path).containsExactly(APP_POLICY);
            assertThat(answer.header("X-Frame-Options")).as(path).containsExactly("SAMEORIGIN");
            assertThat(answer.header("X-Content-Type-Options")).as(path + ": the route instance's defaults").containsExactly("nosniff");
            assertThat(answer.header("Strict-Transport-Security")).as(path).hasSize(transport.secure ? 1 : 0);
        }

        Answer elsewhere = globalClients.send(transport, "GET", "/app-not-routed");
        assertThat(elsewhere.status()).isEqualTo(404);
        assertSecurityHeaders(elsewhere, transport);
    }
}
