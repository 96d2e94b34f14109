package dev.tollgate.plugin.securityheaders;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.plugin.backendhttp.HttpBackendPlugin;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The security-headers filter in a running gateway, over real sockets: on responses proxied
 * from a backend (WireMock behind the http backend) that sends its own Server, X-Powered-By,
 * X-Frame-Options and Content-Security-Policy, and on an endpoint's responses. HSTS must appear
 * over TLS (HTTP/1.1 and HTTP/2) and never over clear text (HTTP/1.1 and h2c).
 */
class SecurityHeadersGatewayTest {
    private static final String BACKEND_POLICY = "default-src *";
    private static final String DEFAULT_HSTS = "max-age=31536000; includeSubDomains";

    private static WireMockServer backend;
    private static TestGateway gateway;
    private static HttpClient clearText;
    private static HttpClient tlsHttp1;
    private static HttpClient tlsHttp2;

    @BeforeAll
    static void start() throws Exception {
        backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/plain")
                .withHeader("Server", "nginx/1.25.3")
                .withHeader("X-Powered-By", "PHP/8.3.0")
                .withHeader("X-Frame-Options", "SAMEORIGIN")
                .withHeader("Content-Security-Policy", BACKEND_POLICY)
                .withHeader("X-Backend", "kept")
                .withBody("backend")));
        gateway = TestGateway.builder()
                .plugin("security-headers", new SecurityHeadersPlugin())
                .plugin("backend-http", new HttpBackendPlugin())
                .config("""
                        services { api { backend = http, instances = ["http://127.0.0.1:%d"] } }
                        routes = [
                          { path = "/default/**", service = { name = api, strip-prefix = "/default" }, filters = [ security-headers ] }
                          { path = "/custom/**", service = { name = api, strip-prefix = "/custom" }, filters = [ { name = security-headers,
                              strict-transport-security = "max-age=600"
                              content-security-policy = "default-src 'self'"
                              x-frame-options = SAMEORIGIN
                              referrer-policy = strict-origin-when-cross-origin
                              remove = [X-Backend] } ] }
                          { path = "/off/**", service = { name = api, strip-prefix = "/off" }, filters = [ { name = security-headers,
                              strict-transport-security = "", content-security-policy = "", permissions-policy = "", remove = [] } ] }
                          { path = "/keep/**", service = { name = api, strip-prefix = "/keep" }, filters = [ { name = security-headers,
                              override-backend = false } ] }
                          { path = "/endpoint/**", endpoint = test-echo, filters = [ security-headers ] }
                        ]
                        """.formatted(backend.port()))
                .start();
        clearText = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        tlsHttp1 = Clients.jdk(gateway.home(), HttpClient.Version.HTTP_1_1);
        tlsHttp2 = Clients.jdk(gateway.home(), HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    private static HttpResponse<String> get(HttpClient client, URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void setsTheDefaultsOnAProxiedResponseAndRemovesServerAndXPoweredBy() throws Exception {
        HttpResponse<String> response = get(clearText, gateway.http("/default/page"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("backend");
        HttpHeaders headers = response.headers();
        assertThat(headers.allValues("Server")).isEmpty();
        assertThat(headers.allValues("X-Powered-By")).isEmpty();
        assertThat(headers.allValues("Content-Security-Policy")).as("the backend's is replaced")
                .containsExactly("default-src 'none'; frame-ancestors 'none'");
        assertThat(headers.allValues("X-Frame-Options")).as("the backend's is replaced").containsExactly("DENY");
        assertThat(headers.allValues("X-Content-Type-Options")).containsExactly("nosniff");
        assertThat(headers.allValues("Referrer-Policy")).containsExactly("no-referrer");
        assertThat(headers.allValues("Permissions-Policy")).singleElement().asString().startsWith("accelerometer=(), camera=()");
        assertThat(headers.allValues("X-Backend")).containsExactly("kept");
        assertThat(headers.allValues("Strict-Transport-Security")).as("never over clear text").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(names = {"HTTP_1_1", "HTTP_2"})
    void sendsStrictTransportSecurityOverTls(HttpClient.Version version) throws Exception {
        HttpResponse<String> response = get(version == HttpClient.Version.HTTP_2 ? tlsHttp2 : tlsHttp1, gateway.https("/default/page"));

        assertThat(response.version()).isEqualTo(version);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().allValues("Strict-Transport-Security")).containsExactly(DEFAULT_HSTS);
        assertThat(response.headers().allValues("Server")).isEmpty();
        assertThat(response.headers().allValues("X-Frame-Options")).containsExactly("DENY");
    }

    @Test
    void neverSendsStrictTransportSecurityOverH2c() throws Exception {
        org.eclipse.jetty.client.HttpClient h2c = Clients.http2(gateway.home());
        try {
            ContentResponse response = h2c.newRequest(gateway.http("/default/page")).timeout(10, TimeUnit.SECONDS).send();
            assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            HttpFields headers = response.getHeaders();
            assertThat(headers.contains("Strict-Transport-Security")).isFalse();
            assertThat(headers.get("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(headers.contains("Server")).isFalse();
        }
        finally {
            h2c.stop();
        }
    }

    @Test
    void perRouteValuesOverrideTheDefaults() throws Exception {
        HttpResponse<String> clear = get(clearText, gateway.http("/custom/page"));
        assertThat(clear.headers().allValues("Content-Security-Policy")).containsExactly("default-src 'self'");
        assertThat(clear.headers().allValues("X-Frame-Options")).containsExactly("SAMEORIGIN");
        assertThat(clear.headers().allValues("Referrer-Policy")).containsExactly("strict-origin-when-cross-origin");
        assertThat(clear.headers().allValues("X-Content-Type-Options")).as("the defaults of the rest").containsExactly("nosniff");
        assertThat(clear.headers().allValues("X-Backend")).as("removed as this route asks").isEmpty();
        assertThat(clear.headers().allValues("Server")).as("remove replaces the default list").containsExactly("nginx/1.25.3");

        HttpResponse<String> secure = get(tlsHttp2, gateway.https("/custom/page"));
        assertThat(secure.headers().allValues("Strict-Transport-Security")).containsExactly("max-age=600");
    }

    @Test
    void aHeaderTurnedOffIsNotSentAndTheBackendsPassesThrough() throws Exception {
        HttpResponse<String> response = get(tlsHttp2, gateway.https("/off/page"));

        HttpHeaders headers = response.headers();
        assertThat(headers.allValues("Strict-Transport-Security")).isEmpty();
        assertThat(headers.allValues("Permissions-Policy")).isEmpty();
        assertThat(headers.allValues("Content-Security-Policy")).containsExactly(BACKEND_POLICY);
        assertThat(headers.allValues("Server")).as("remove = [] keeps it").containsExactly("nginx/1.25.3");
        assertThat(headers.allValues("X-Powered-By")).containsExactly("PHP/8.3.0");
        assertThat(headers.allValues("X-Frame-Options")).as("still on").containsExactly("DENY");
    }

    @Test
    void withoutOverrideTheBackendsHeadersAreKeptAndOnlyMissingOnesAdded() throws Exception {
        HttpResponse<String> response = get(tlsHttp1, gateway.https("/keep/page"));

        HttpHeaders headers = response.headers();
        assertThat(headers.allValues("X-Frame-Options")).containsExactly("SAMEORIGIN");
        assertThat(headers.allValues("Content-Security-Policy")).containsExactly(BACKEND_POLICY);
        assertThat(headers.allValues("X-Content-Type-Options")).containsExactly("nosniff");
        assertThat(headers.allValues("Referrer-Policy")).containsExactly("no-referrer");
        assertThat(headers.allValues("Strict-Transport-Security")).containsExactly(DEFAULT_HSTS);
        assertThat(headers.allValues("Server")).as("removal does not depend on override-backend").isEmpty();
    }

    @Test
    void alsoOnResponsesTheGatewayAnswersItself() throws Exception {
        HttpResponse<String> response = get(clearText, gateway.http("/endpoint/x"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"path\":\"/endpoint/x\"");
        assertThat(response.headers().allValues("X-Frame-Options")).containsExactly("DENY");
        assertThat(response.headers().allValues("Content-Security-Policy")).containsExactly("default-src 'none'; frame-ancestors 'none'");
    }

    @Test
    void theReadmeExampleRunsGatewayWideAndLetsTheHtmlRoutesInstanceDecide() throws Exception {
        try (TestGateway example = TestGateway.builder()
                .plugin("security-headers", new SecurityHeadersPlugin())
                .plugin("backend-http", new HttpBackendPlugin())
                .config("""
                        services {
                          api { backend = http, instances = ["http://127.0.0.1:%1$d"] }
                          web { backend = http, instances = ["http://127.0.0.1:%1$d"] }
                        }
                        filters {
                          # One instance for the whole gateway: the defaults.
                          site-headers { type = security-headers }
                          # Another for the routes serving HTML pages.
                          web-pages {
                            type = security-headers
                            content-security-policy = "default-src 'self'; frame-ancestors 'none'"   # pages load their own assets
                            x-frame-options         = SAMEORIGIN
                            permissions-policy      = ""                                             # "": not sent
                            remove                  = [Server, X-Powered-By, X-AspNet-Version]
                          }
                        }
                        global-filters = [ site-headers ]
                        routes = [
                          { path = "/api/**", service = api }                                        # the gateway-wide defaults
                          { path = "/app/**", service = web, filters = [ web-pages ] }               # web-pages decides here
                        ]
                        """.formatted(backend.port()))
                .start()) {
            HttpResponse<String> api = get(clearText, example.http("/api/x"));
            assertThat(api.statusCode()).isEqualTo(200);
            assertThat(api.headers().allValues("Content-Security-Policy")).containsExactly("default-src 'none'; frame-ancestors 'none'");
            assertThat(api.headers().allValues("X-Frame-Options")).containsExactly("DENY");
            assertThat(api.headers().allValues("Server")).isEmpty();

            HttpResponse<String> app = get(clearText, example.http("/app/x"));
            assertThat(app.statusCode()).isEqualTo(200);
            assertThat(app.headers().allValues("Content-Security-Policy")).containsExactly("default-src 'self'; frame-ancestors 'none'");
            assertThat(app.headers().allValues("X-Frame-Options")).containsExactly("SAMEORIGIN");
            assertThat(app.headers().allValues("Permissions-Policy")).as("turned off on this route").isEmpty();
            assertThat(app.headers().allValues("X-Powered-By")).isEmpty();

            HttpResponse<String> missing = get(clearText, example.http("/nope"));
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.headers().allValues("X-Frame-Options")).containsExactly("DENY");
            assertThat(missing.headers().allValues("Permissions-Policy")).hasSize(1);
        }
    }

    @Test
    void aMistakeInANamedInstanceStopsStartUpNamingItsKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("security-headers", new SecurityHeadersPlugin())
                .config("""
                        filters { web-pages { type = security-headers, x-frame-options = ALLOWALL } }
                        global-filters = [ web-pages ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.filters.web-pages.x-frame-options")
                .hasMessageContaining("must be DENY or SAMEORIGIN");
    }

    @Test
    void aValueWithALineBreakStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("security-headers", new SecurityHeadersPlugin())
                .config("""
                        routes = [ { path = "/x", endpoint = test-echo,
                                     filters = [ { name = security-headers, referrer-policy = "no-referrer\\r\\nSet-Cookie: a=b" } ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].referrer-policy")
                .hasMessageContaining("only visible ASCII");
    }
}
