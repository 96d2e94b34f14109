package dev.tollgate.plugin.cors;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.plugin.backendhttp.HttpBackendPlugin;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cors filter in a running gateway, over real sockets: preflights answered or refused,
 * the headers of actual requests, Vary, the allow-list's kinds and edges, and a proxied backend
 * whose own CORS headers must not reach the client. Clients: the JDK's over HTTP/1.1 and over
 * HTTP/2 with TLS, Jetty's over h2c with prior knowledge.
 */
class CorsGatewayTest {
    private static final String APP = "https://app.example";

    private static WireMockServer backend;
    private static TestGateway gateway;
    private static HttpClient http1;
    private static HttpClient http2;
    private static org.eclipse.jetty.client.HttpClient h2c;

    @BeforeAll
    static void start() throws Exception {
        backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/plain")
                .withHeader("Access-Control-Allow-Origin", "*")
                .withHeader("Access-Control-Allow-Credentials", "true")
                .withHeader("Access-Control-Allow-Methods", "DELETE")
                .withHeader("access-control-expose-headers", "X-Secret")
                .withHeader("Vary", "Accept-Encoding")
                .withBody("backend")));
        gateway = TestGateway.builder()
                .plugin("cors", new CorsPlugin())
                .plugin("backend-http", new HttpBackendPlugin())
                .config("""
                        services { api { backend = http, instances = ["http://127.0.0.1:%d"] } }
                        routes = [
                          { path = "/app/**", endpoint = test-echo, filters = [ { name = cors,
                              allowed-origins = ["https://app.example", "*.example.com", "regex:^https://[a-z0-9-]+\\\\.example\\\\.org$"]
                              allowed-methods = [GET, POST, put]
                              allowed-headers = [Content-Type, X-Trace]
                              exposed-headers = [X-Request-Id, X-Total]
                              allow-credentials = true
                              max-age = 10m } ] }
                          { path = "/open/**", endpoint = test-echo, filters = [ { name = cors,
                              allowed-origins = ["*"], allowed-methods = ["*"], allowed-headers = ["*"] } ] }
                          { path = "/proxied/**", service = { name = api, strip-prefix = "/proxied" },
                            filters = [ { name = cors, allowed-origins = ["https://app.example"] } ] }
                        ]
                        """.formatted(backend.port()))
                .start();
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        http2 = Clients.jdk(gateway.home(), HttpClient.Version.HTTP_2);
        h2c = Clients.http2(gateway.home());
    }

    @AfterAll
    static void stop() throws Exception {
        if (h2c != null) {
            h2c.stop();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void answersAnAllowedPreflightItselfWith204(Transport transport) throws Exception {
        Answer answer = transport.send("OPTIONS", "/app/things", "Origin", APP,
                "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-trace");

        assertThat(answer.version()).isEqualTo(transport.version);
        assertThat(answer.status()).isEqualTo(204);
        assertThat(answer.body()).as("the endpoint was not called").isEmpty();
        assertThat(answer.header("Access-Control-Allow-Origin")).containsExactly(APP);
        assertThat(answer.header("Access-Control-Allow-Credentials")).containsExactly("true");
        assertThat(answer.header("Access-Control-Allow-Methods")).containsExactly("GET, POST, PUT");
        assertThat(answer.header("Access-Control-Allow-Headers")).containsExactly("Content-Type, X-Trace");
        assertThat(answer.header("Access-Control-Max-Age")).containsExactly("600");
        assertThat(answer.header("Access-Control-Expose-Headers")).isEmpty();
        assertThat(answer.varyTokens()).containsExactlyInAnyOrder("origin", "access-control-request-method", "access-control-request-headers");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void putsTheCorsHeadersOnTheResponseToAnAllowedActualRequest(Transport transport) throws Exception {
        Answer answer = transport.send("GET", "/app/things", "Origin", APP);

        assertThat(answer.version()).isEqualTo(transport.version);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"path\":\"/app/things\"");
        assertThat(answer.header("Access-Control-Allow-Origin")).containsExactly(APP);
        assertThat(answer.header("Access-Control-Allow-Credentials")).containsExactly("true");
        assertThat(answer.header("Access-Control-Expose-Headers")).containsExactly("X-Request-Id, X-Total");
        assertThat(answer.header("Access-Control-Allow-Methods")).as("preflight only").isEmpty();
        assertThat(answer.header("Access-Control-Max-Age")).as("preflight only").isEmpty();
        assertThat(answer.varyTokens()).containsExactly("origin");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            origin not allowed         | https://evil.test   | GET    |
            method not allowed         | https://app.example | DELETE |
            method in another case     | https://app.example | put    |
            header not allowed         | https://app.example | POST   | content-type, x-other
            Authorization not listed   | https://app.example | POST   | authorization
            malformed header list      | https://app.example | POST   | x-trace;x-other
            """)
    void refusesAPreflightWith403AndNoCorsHeaders(String why, String origin, String method, String headers) throws Exception {
        List<String> request = new ArrayList<>(List.of("Origin", origin, "Access-Control-Request-Method", method));
        if (headers != null) {
            request.addAll(List.of("Access-Control-Request-Headers", headers));
        }
        Answer answer = Transport.HTTP_1_1.send("OPTIONS", "/app/things", request.toArray(String[]::new));

        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.header("Content-Type")).containsExactly("application/json");
        assertThat(answer.body()).contains("\"code\":\"FORBIDDEN\"", "CORS preflight refused");
        assertThat(answer.accessControlHeaders()).isEmpty();
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            https://app.example               | 204
            HTTPS://App.Example:443           | 204
            https://app.example:8443          | 403
            http://app.example                | 403
            https://www.example.com           | 204
            http://www.example.com            | 204
            https://a.b.c.example.com         | 204
            https://example.com               | 403
            https://evil-example.com          | 403
            https://example.com.evil.test     | 403
            https://www.example.com:8443      | 403
            https://shop.example.org          | 204
            http://shop.example.org           | 403
            https://a.shop.example.org        | 403
            https://shop.example.org.evil.test | 403
            null                              | 403
            """)
    void matchesOriginsExactlyBySubdomainAndByRegex(String origin, int status) throws Exception {
        Answer answer = Transport.HTTP_1_1.send("OPTIONS", "/app/things", "Origin", origin, "Access-Control-Request-Method", "GET");

        assertThat(answer.status()).isEqualTo(status);
        if (status == 204) {
            assertThat(answer.header("Access-Control-Allow-Origin")).as("echoed as sent").containsExactly(origin);
        }
    }

    @Test
    void anyOriginWithoutCredentialsAnswersStarAndRepeatsTheRequestedMethodAndHeaders() throws Exception {
        Answer preflight = Transport.HTTP_1_1.send("OPTIONS", "/open/x", "Origin", "https://anyone.test",
                "Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "x-anything,content-type");
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).containsExactly("*");
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isEmpty();
        assertThat(preflight.header("Access-Control-Allow-Methods")).containsExactly("PATCH");
        assertThat(preflight.header("Access-Control-Allow-Headers")).containsExactly("x-anything,content-type");
        assertThat(preflight.header("Access-Control-Max-Age")).containsExactly("1800");

        Answer actual = Transport.HTTP_1_1.send("GET", "/open/x", "Origin", "https://anyone.test");
        assertThat(actual.status()).isEqualTo(200);
        assertThat(actual.header("Access-Control-Allow-Origin")).containsExactly("*");
        assertThat(actual.header("Access-Control-Allow-Credentials")).isEmpty();
        assertThat(actual.varyTokens()).as("the answer does not depend on the origin").doesNotContain("origin");

        Answer opaque = Transport.HTTP_1_1.send("GET", "/open/x", "Origin", "null");
        assertThat(opaque.header("Access-Control-Allow-Origin")).containsExactly("*");
    }

    @Test
    void starInAllowedHeadersDoesNotCoverAuthorization() throws Exception {
        Answer answer = Transport.HTTP_1_1.send("OPTIONS", "/open/x", "Origin", "https://anyone.test",
                "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-anything, authorization");
        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.accessControlHeaders()).isEmpty();
    }

    @Test
    void starOriginWithCredentialsStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("cors", new CorsPlugin())
                .config("""
                        routes = [ { path = "/x", endpoint = test-echo,
                                     filters = [ { name = cors, allowed-origins = ["*"], allow-credentials = true } ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].allowed-origins")
                .hasMessageContaining("cannot be combined with allow-credentials");
    }

    @Test
    void aMistakeInANamedInstanceStopsStartUpNamingItsKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("cors", new CorsPlugin())
                .config("""
                        filters { api-cors { type = cors, allowed-origins = ["*"], allow-credentials = true } }
                        global-filters = [ api-cors ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.filters.api-cors.allowed-origins")
                .hasMessageContaining("cannot be combined with allow-credentials");
    }

    @Test
    void theReadmeExampleAnswersPreflightsGatewayWide() throws Exception {
        try (TestGateway example = TestGateway.builder()
                .plugin("cors", new CorsPlugin())
                .plugin("backend-http", new HttpBackendPlugin())
                .config("""
                        filters {
                          api-cors {
                            type = cors
                            allowed-origins   = ["https://app.example", "*.example.com", "regex:^https://[a-z0-9-]+\\\\.example\\\\.org$"]
                            allowed-methods   = [GET, POST, PUT, DELETE]
                            allowed-headers   = [Content-Type, Authorization, X-Trace]
                            exposed-headers   = [X-Request-Id, Retry-After]     # readable by the page, on errors too
                            allow-credentials = true
                            max-age           = 10m
                          }
                        }
                        global-filters = [ api-cors ]
                        services { api { backend = http, instances = ["http://127.0.0.1:%d"] } }
                        routes = [
                          { path = "/api/**", methods = [GET, POST, PUT, DELETE], service = api }   # no OPTIONS needed
                        ]
                        """.formatted(backend.port()))
                .start()) {
            HttpResponse<String> preflight = http1.send(HttpRequest.newBuilder(example.http("/api/things"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://shop.example.org")
                    .header("Access-Control-Request-Method", "DELETE")
                    .header("Access-Control-Request-Headers", "authorization")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://shop.example.org");
            assertThat(preflight.headers().allValues("Access-Control-Allow-Headers")).containsExactly("Content-Type, Authorization, X-Trace");

            HttpResponse<String> actual = http1.send(HttpRequest.newBuilder(example.http("/api/things"))
                    .header("Origin", "https://www.example.com").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(actual.statusCode()).isEqualTo(200);
            assertThat(actual.body()).isEqualTo("backend");
            assertThat(actual.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://www.example.com");
            assertThat(actual.headers().allValues("Access-Control-Expose-Headers")).containsExactly("X-Request-Id, Retry-After");

            HttpResponse<String> missing = http1.send(HttpRequest.newBuilder(example.http("/nope"))
                    .header("Origin", "https://app.example").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://app.example");
        }
    }

    @Test
    void misspelledKeyStopsStartUpNamingIt() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("cors", new CorsPlugin())
                .config("""
                        routes = [ { path = "/x", endpoint = test-echo, filters = [ { name = cors, max_age = 10m } ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].max_age")
                .hasMessageContaining("did you mean 'max-age'");
    }

    @Test
    void aDisallowedOrNoOriginStillProceedsWithoutCorsHeadersButVaries() throws Exception {
        Answer disallowed = Transport.HTTP_1_1.send("GET", "/app/things", "Origin", "https://evil.test");
        assertThat(disallowed.status()).as("the browser, not the gateway, withholds the response").isEqualTo(200);
        assertThat(disallowed.body()).contains("\"path\":\"/app/things\"");
        assertThat(disallowed.accessControlHeaders()).isEmpty();
        assertThat(disallowed.varyTokens()).containsExactly("origin");

        Answer sameOrigin = Transport.HTTP_1_1.send("GET", "/app/things");
        assertThat(sameOrigin.status()).isEqualTo(200);
        assertThat(sameOrigin.accessControlHeaders()).isEmpty();
        assertThat(sameOrigin.varyTokens()).as("a cache must not serve this to a cross-origin request").containsExactly("origin");
    }

    @Test
    void anOptionsRequestWithoutRequestMethodIsNotAPreflight() throws Exception {
        Answer answer = Transport.HTTP_1_1.send("OPTIONS", "/app/things", "Origin", APP);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).as("reached the endpoint").contains("\"method\":\"OPTIONS\"");
        assertThat(answer.header("Access-Control-Allow-Origin")).containsExactly(APP);
        assertThat(answer.header("Access-Control-Allow-Methods")).isEmpty();

        Answer withoutOrigin = Transport.HTTP_1_1.send("OPTIONS", "/app/things", "Access-Control-Request-Method", "GET");
        assertThat(withoutOrigin.status()).isEqualTo(200);
        assertThat(withoutOrigin.body()).contains("\"method\":\"OPTIONS\"");
        assertThat(withoutOrigin.accessControlHeaders()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void replacesTheCorsHeadersOfAProxiedBackendAndKeepsItsVary(Transport transport) throws Exception {
        Answer allowed = transport.send("GET", "/proxied/data", "Origin", APP);
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(allowed.body()).isEqualTo("backend");
        assertThat(allowed.accessControlHeaders()).containsExactly(Map.entry("access-control-allow-origin", List.of(APP)));
        assertThat(allowed.varyTokens()).containsExactlyInAnyOrder("accept-encoding", "origin");

        Answer disallowed = transport.send("GET", "/proxied/data", "Origin", "https://evil.test");
        assertThat(disallowed.status()).isEqualTo(200);
        assertThat(disallowed.accessControlHeaders()).as("the backend's '*' must not leak").isEmpty();

        Answer preflight = transport.send("OPTIONS", "/proxied/data", "Origin", APP, "Access-Control-Request-Method", "DELETE");
        assertThat(preflight.status()).as("the backend's Allow-Methods: DELETE means nothing here").isEqualTo(403);
    }

    @Test
    void countsPreflightsByOutcome() throws Exception {
        Transport.HTTP_1_1.send("OPTIONS", "/app/metrics", "Origin", APP, "Access-Control-Request-Method", "GET");
        Transport.HTTP_1_1.send("OPTIONS", "/app/metrics", "Origin", "https://evil.test", "Access-Control-Request-Method", "GET");
        Transport.HTTP_1_1.send("OPTIONS", "/app/metrics", "Origin", APP, "Access-Control-Request-Method", "TRACE");
        Transport.HTTP_1_1.send("OPTIONS", "/app/metrics", "Origin", APP, "Access-Control-Request-Method", "GET",
                "Access-Control-Request-Headers", "x-nope");

        String metrics = Transport.HTTP_1_1.send("GET", "/metrics").body();
        assertThat(metrics)
                .containsPattern("tollgate_cors_preflights_total\\{outcome=\"answered\"} [1-9]")
                .containsPattern("tollgate_cors_preflights_total\\{outcome=\"refused_origin\"} [1-9]")
                .containsPattern("tollgate_cors_preflights_total\\{outcome=\"refused_method\"} [1-9]")
                .containsPattern("tollgate_cors_preflights_total\\{outcome=\"refused_headers\"} [1-9]");
    }

    /** How a test reaches the gateway. */
    enum Transport {
        HTTP_1_1("HTTP/1.1"),
        HTTP_2_TLS("HTTP/2"),
        H2C("HTTP/2");

        final String version;

        Transport(String version) {
            this.version = version;
        }

        /** Sends a request without a body; {@code headers} are name, value pairs. */
        Answer send(String method, String path, String... headers) throws Exception {
            if (this == H2C) {
                org.eclipse.jetty.client.Request request = h2c.newRequest(gateway.http(path)).method(method).timeout(10, TimeUnit.SECONDS);
                request.headers(fields -> {
                    for (int i = 0; i < headers.length; i += 2) {
                        fields.add(headers[i], headers[i + 1]);
                    }
                });
                ContentResponse response = request.send();
                Map<String, List<String>> fields = new LinkedHashMap<>();
                for (HttpField field : response.getHeaders()) {
                    fields.computeIfAbsent(field.getName(), name -> new ArrayList<>()).add(field.getValue());
                }
                String version = response.getVersion() == HttpVersion.HTTP_2 ? "HTTP/2" : response.getVersion().asString();
                return new Answer(response.getStatus(), version, fields, response.getContentAsString());
            }
            URI uri = this == HTTP_1_1 ? gateway.http(path) : gateway.https(path);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody());
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            HttpResponse<String> response = (this == HTTP_1_1 ? http1 : http2).send(request.build(), HttpResponse.BodyHandlers.ofString());
            String version = response.version() == HttpClient.Version.HTTP_2 ? "HTTP/2" : "HTTP/1.1";
            return new Answer(response.statusCode(), version, response.headers().map(), response.body());
        }
    }

    /** A response as the client saw it; header names compared without case. */
    record Answer(int status, String version, Map<String, List<String>> headers, String body) {
        Answer {
            Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((name, values) -> byName.computeIfAbsent(name, key -> new ArrayList<>()).addAll(values));
            headers = byName;
        }

        List<String> header(String name) {
            return headers.getOrDefault(name, List.of());
        }

        /** The Access-Control-* headers, by lower-case name. */
        Map<String, List<String>> accessControlHeaders() {
            Map<String, List<String>> found = new TreeMap<>();
            headers.forEach((name, values) -> {
                if (name.toLowerCase(Locale.ROOT).startsWith("access-control-")) {
                    found.put(name.toLowerCase(Locale.ROOT), values);
                }
            });
            return found;
        }

        /** Every token of every Vary field, lower case. */
        List<String> varyTokens() {
            return header("Vary").stream()
                    .flatMap(value -> Arrays.stream(value.split(",")))
                    .map(token -> token.strip().toLowerCase(Locale.ROOT))
                    .toList();
        }
    }
}
