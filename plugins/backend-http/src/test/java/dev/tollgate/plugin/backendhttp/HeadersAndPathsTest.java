package dev.tollgate.plugin.backendhttp;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Header rules and path rewriting through a running gateway: hop-by-hop headers removed both
 * ways (and those Connection names), the gateway's forwarding headers (each switchable) in place of
 * a client's that is no trusted proxy, Host preserved or
 * rewritten, Via, the request id, cookies of an HTTP/2 client joined for an HTTP/1.1 instance,
 * TE: trailers, the response header limit, and strip-prefix, regex and template paths with the
 * query kept. Requests go to WireMock, which records them; responses come from a Jetty backend.
 */
class HeadersAndPathsTest {
    private static WireMockServer wiremock;
    private static JettyBackend jetty;
    private static TestGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        wiremock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wiremock.start();
        wiremock.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/plain").withBody("hello")));
        wiremock.stubFor(any(urlPathEqualTo("/big-header"))
                .willReturn(aResponse().withStatus(200).withHeader("X-Big", "x".repeat(20_000)).withBody("never seen")));
        jetty = JettyBackend.clearText(new TestBackendHandler());
        gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                services {
                  api { backend = http, instances = ["http://127.0.0.1:%d"], max-response-header-size = 8KiB }
                  jetty { backend = http, instances = ["%s"] }
                }
                routes = [
                  { path = "/api/**", service = { name = api, strip-prefix = "/api" } }
                  { path = "/own-host/**", service = { name = api, strip-prefix = "/own-host", preserve-host = false } }
                  { path = "/quiet/**", service = { name = api, strip-prefix = "/quiet", forwarded {
                      x-forwarded-for = false, x-forwarded-proto = false, x-forwarded-host = false, x-forwarded-port = false, forwarded = false,
                      x-real-ip = false } } }
                  { path = "/via/**", service = { name = api, strip-prefix = "/via", via = tollgate } }
                  { path = "/v1/**", service = { name = api, rewrite { regex = "^/v1/(.*)$", replacement = "/legacy/$1" } } }
                  { path = "/users/{id}/profile", service = { name = api, path = "/v2/users/{id}" } }
                  { path = "/files/**", service = { name = api, path = "/store/{**}" } }
                  { path = "/jetty/**", service = { name = jetty, strip-prefix = "/jetty" } }
                  { path = "/jetty-via/**", service = { name = jetty, strip-prefix = "/jetty-via", via = tollgate } }
                ]
                """.formatted(wiremock.port(), jetty.url("http"))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (wiremock != null) {
            wiremock.stop();
        }
        if (jetty != null) {
            jetty.close();
        }
    }

    private static LoggedRequest received(String path) {
        List<LoggedRequest> requests = wiremock.findAll(anyRequestedFor(urlPathEqualTo(path)));
        assertThat(requests).as("requests to " + path).hasSize(1);
        return requests.get(0);
    }

    @Test
    void dropsHopByHopRequestHeadersAndThoseConnectionNames() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.gateway().httpPort())) {
            RawHttp.Response response = raw.send("GET /api/hop-request HTTP/1.1\r\nHost: api.example.com\r\n"
                    + "Connection: keep-alive, X-Secret\r\nX-Secret: hidden\r\nKeep-Alive: timeout=5\r\n"
                    + "Proxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\nTE: trailers, deflate\r\n"
                    + "Trailer: X-Later\r\nX-Custom: kept\r\n\r\n").read();
            assertThat(response.status()).isEqualTo(200);
        }
        HttpHeaders headers = received("/hop-request").getHeaders();
        for (String name : List.of("Connection", "X-Secret", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "Trailer",
                "Transfer-Encoding", "Upgrade")) {
            assertThat(headers.getHeader(name).isPresent()).as(name).isFalse();
        }
        assertThat(headers.getHeader("TE").values()).containsExactly("trailers");
        assertThat(headers.getHeader("X-Custom").firstValue()).isEqualTo("kept");
        assertThat(headers.getHeader("Host").firstValue()).isEqualTo("api.example.com");
    }

    @Test
    void dropsHopByHopResponseHeadersAndKeepsTheRest() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/jetty/hop")).header("X-Request-Id", "client-id-1").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hop");
        for (String name : List.of("X-Secret", "Keep-Alive", "Proxy-Authenticate", "Upgrade", "Trailer")) {
            assertThat(response.headers().firstValue(name)).as(name).isEmpty();
        }
        assertThat(response.headers().allValues("Connection")).doesNotContain("X-Secret");
        assertThat(response.headers().firstValue("X-Kept")).hasValue("yes");
        assertThat(response.headers().allValues("Set-Cookie")).containsExactly("a=1", "b=2");
        assertThat(response.headers().allValues("Via")).containsExactly("1.1 backend");
        // The gateway's request id wins over the one the backend sent.
        assertThat(response.headers().allValues("X-Request-Id")).containsExactly("client-id-1");
    }

    @Test
    void addsTheGatewaysForwardingHeadersInPlaceOfThoseOfAClientThatIsNoProxy() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/api/forwarded"))
                .header("X-Forwarded-For", "203.0.113.9").header("Forwarded", "for=203.0.113.9").header("X-Forwarded-Proto", "ftp")
                .header("X-Request-Id", "client-id-2").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        HttpHeaders headers = received("/forwarded").getHeaders();
        int port = gateway.gateway().httpPort();
        assertThat(headers.getHeader("X-Forwarded-For").values()).containsExactly("127.0.0.1");
        assertThat(headers.getHeader("X-Real-IP").values()).containsExactly("127.0.0.1");
        assertThat(headers.getHeader("X-Forwarded-Proto").values()).containsExactly("http");
        assertThat(headers.getHeader("X-Forwarded-Host").values()).containsExactly("127.0.0.1:" + port);
        assertThat(headers.getHeader("X-Forwarded-Port").values()).containsExactly(Integer.toString(port));
        assertThat(headers.getHeader("Forwarded").values())
                .containsExactly("for=127.0.0.1;host=\"127.0.0.1:" + port + "\";proto=http");
        assertThat(headers.getHeader("X-Request-Id").values()).containsExactly("client-id-2");
        assertThat(headers.getHeader("Via").isPresent()).isFalse();
    }

    @Test
    void forwardsTheRequestIdTheGatewayGenerated() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/api/generated-id")).build(),
                HttpResponse.BodyHandlers.ofString());
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(received("/generated-id").getHeaders().getHeader("X-Request-Id").values()).containsExactly(requestId);
    }

    @Test
    void forwardingHeadersCanBeSwitchedOff() throws Exception {
        client.send(HttpRequest.newBuilder(gateway.http("/quiet/quiet")).header("X-Forwarded-For", "203.0.113.9").build(),
                HttpResponse.BodyHandlers.ofString());
        HttpHeaders headers = received("/quiet").getHeaders();
        // The client's is gone too: it is no trusted proxy (ClientHeadersTest has a trusted one's pass through).
        for (String name : List.of("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "Forwarded", "X-Real-IP")) {
            assertThat(headers.getHeader(name).isPresent()).as(name).isFalse();
        }
    }

    @Test
    void sendsTheInstancesAuthorityAsHostWhenTheRouteSaysSo() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.gateway().httpPort())) {
            assertThat(raw.send("GET /own-host/own-host HTTP/1.1\r\nHost: api.example.com\r\n\r\n").read().status()).isEqualTo(200);
        }
        assertThat(received("/own-host").getHeaders().getHeader("Host").firstValue()).isEqualTo("127.0.0.1:" + wiremock.port());
    }

    @Test
    void addsViaBothWaysWhenTheRouteNamesAPseudonym() throws Exception {
        client.send(HttpRequest.newBuilder(gateway.http("/via/via")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(received("/via").getHeaders().getHeader("Via").values()).containsExactly("1.1 tollgate");
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/jetty-via/hop")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.headers().allValues("Via")).containsExactly("1.1 backend, 1.1 tollgate");
    }

    @Test
    void joinsTheCookiesOfAnHttp2ClientAndForwardsTeTrailers() throws Exception {
        org.eclipse.jetty.client.HttpClient http2 = Clients.http2(gateway.home());
        try {
            ContentResponse response = http2.newRequest(gateway.http("/api/cookies"))
                    .headers(headers -> headers.add("Cookie", "a=1").add("Cookie", "b=2").add("TE", "trailers"))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertThat(response.getStatus()).isEqualTo(200);
        }
        finally {
            http2.stop();
        }
        HttpHeaders headers = received("/cookies").getHeaders();
        assertThat(headers.getHeader("Cookie").values()).containsExactly("a=1; b=2");
        assertThat(headers.getHeader("TE").values()).containsExactly("trailers");
    }

    @Test
    void refusesAResponseHeadLargerThanTheServiceAllows() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/api/big-header")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("\"code\":\"BAD_GATEWAY\"");
    }

    @Test
    void stripsAPrefixAndKeepsTheQuery() throws Exception {
        client.send(HttpRequest.newBuilder(gateway.http("/api/users/7?q=a%20b&x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(received("/users/7").getUrl()).isEqualTo("/users/7?q=a%20b&x=1");
    }

    @Test
    void rewritesWithARegex() throws Exception {
        client.send(HttpRequest.newBuilder(gateway.http("/v1/orders/9?full=true")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(received("/legacy/orders/9").getUrl()).isEqualTo("/legacy/orders/9?full=true");
    }

    @Test
    void fillsAPathTemplateFromPathParameters() throws Exception {
        client.send(HttpRequest.newBuilder(gateway.http("/users/jane%20doe/profile?v=2")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(received("/v2/users/jane%20doe").getUrl()).isEqualTo("/v2/users/jane%20doe?v=2");
        client.send(HttpRequest.newBuilder(gateway.http("/files/a/b/c.txt")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(received("/store/a/b/c.txt").getUrl()).isEqualTo("/store/a/b/c.txt");
    }

    @Test
    void answersHeadWithTheInstancesContentLengthAndNoBody() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/jetty/download?size=1000"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Length")).hasValue("1000");
        assertThat(response.body()).isEmpty();
    }

    @Test
    void forwardsAnEmptyPostWithContentLengthZero() throws Exception {
        client.send(HttpRequest.newBuilder(gateway.http("/api/empty-post")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        LoggedRequest request = received("/empty-post");
        assertThat(request.getMethod().getName()).isEqualTo("POST");
        assertThat(request.getHeaders().getHeader("Content-Length").firstValue()).isEqualTo("0");
    }
}
