package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an instance receives of a client's headers, through running gateways to a Jetty backend
 * whose {@code /describe} answers the headers it saw: fields any {@code Connection} field names are
 * gone, but not a filter's; identity headers never arrive; forwarding headers are the gateway's
 * own from a client that is no trusted proxy, and extend a trusted proxy's. The test client
 * connects from 127.0.0.1, trusted with {@code trusted-proxies = ["127.0.0.1/32", …]} and not with
 * a range that excludes it.
 */
class ClientHeadersTest {
    private static final String UNTRUSTED = "server.trusted-proxies = [\"10.0.0.0/8\", \"2001:db8::/32\"]";
    private static final String TRUSTED = """
            server.trusted-proxies = ["127.0.0.1/32", "10.0.0.0/8"]
            server.identity-headers = ["X-User-Id", "X-User-Roles", "X-Tenant"]
            """;
    private static final Map<String, TestGateway> GATEWAYS = new LinkedHashMap<>();
    private static JettyBackend backend;
    private static ScriptedBackend rawBackend;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startBackend() throws Exception {
        backend = JettyBackend.clearText(new TestBackendHandler());
        String answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: X-Secret\r\n"
                + "Connection: close, X-Other\r\nX-Secret: hidden\r\nX-Other: hidden\r\nX-Kept: yes\r\n\r\nok";
        rawBackend = new ScriptedBackend(head -> ScriptedBackend.Reply.close(answer));
    }

    /** The gateway with these server settings and routes to the backend, started on first use. */
    private static synchronized TestGateway gateway(String settings) throws Exception {
        TestGateway existing = GATEWAYS.get(settings);
        if (existing != null) {
            return existing;
        }
        TestGateway started = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config(settings + """

                services {
                  jetty { backend = http, instances = ["%s"] }
                  raw { backend = http, instances = ["%s"] }
                }
                routes = [
                  { path = "/raw/**", service = raw }
                  { path = "/jetty/**", service = { name = jetty, strip-prefix = "/jetty" } }
                  { path = "/tagged/**", service = { name = jetty, strip-prefix = "/tagged" }, filters = [ test-tag ] }
                  { path = "/quiet/**", service = { name = jetty, strip-prefix = "/quiet", forwarded {
                      x-forwarded-for = false, x-forwarded-proto = false, x-forwarded-host = false, x-forwarded-port = false,
                      forwarded = false, x-real-ip = false } } }
                ]
                """.formatted(backend.url("http"), rawBackend.url())).start();
        GATEWAYS.put(settings, started);
        return started;
    }

    @AfterAll
    static void stop() throws Exception {
        GATEWAYS.values().forEach(TestGateway::close);
        if (backend != null) {
            backend.close();
        }
        if (rawBackend != null) {
            rawBackend.close();
        }
    }

    /** The headers the backend saw for a GET of {@code /jetty/describe} with these header name/value pairs. */
    private Map<String, String> described(TestGateway gateway, String... headers) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/jetty/describe")).headers(headers).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return headersOf(response.body());
    }

    private static Map<String, String> headersOf(String description) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : description.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                headers.put(line.substring(0, colon), line.substring(colon + 2));
            }
        }
        return headers;
    }

    private static final String[] SPOOFED = {
            "Forwarded", "for=127.0.0.1;host=evil.example;proto=https",
            "X-Real-IP", "7.7.7.7",
            "X-User-Id", "admin",
            "X-User-Roles", "admin",
            "X-Forwarded-For", "7.7.7.7",
            "X-Forwarded-Proto", "https",
            "X-Forwarded-Host", "evil.example",
            "X-Forwarded-Port", "443",
            "X-Forwarded-Prefix", "/evil"};

    @Test
    void aClientThatIsNoProxyGetsOnlyTheGatewaysForwardingHeadersAndNoIdentity() throws Exception {
        for (String settings : new String[] {"", UNTRUSTED}) {
            TestGateway gateway = gateway(settings);
            int port = gateway.gateway().httpPort();
            Map<String, String> headers = described(gateway, SPOOFED);
            assertThat(headers).doesNotContainKeys("x-user-id", "x-user-roles", "x-forwarded-prefix");
            assertThat(headers).containsEntry("forwarded", "for=127.0.0.1;host=\"127.0.0.1:" + port + "\";proto=http")
                    .containsEntry("x-real-ip", "127.0.0.1")
                    .containsEntry("x-forwarded-for", "127.0.0.1")
                    .containsEntry("x-forwarded-proto", "http")
                    .containsEntry("x-forwarded-host", "127.0.0.1:" + port)
                    .containsEntry("x-forwarded-port", Integer.toString(port));
        }
    }

    @Test
    void aTrustedProxysForwardingHeadersAreExtendedAndTheClientIsTheRightmostUntrustedAddress() throws Exception {
        TestGateway gateway = gateway(TRUSTED);
        int port = gateway.gateway().httpPort();
        Map<String, String> headers = described(gateway,
                "X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.1.2.3",
                "Forwarded", "for=198.51.100.7;proto=https, for=10.1.2.3",
                "X-Forwarded-Proto", "https",
                "X-Forwarded-Host", "shop.example",
                "X-Forwarded-Port", "443",
                "X-Real-IP", "6.6.6.6",
                "X-User-Id", "admin",
                "X-Tenant", "acme");
        assertThat(headers).doesNotContainKeys("x-user-id", "x-tenant");
        assertThat(headers).containsEntry("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.2.3, 127.0.0.1")
                .containsEntry("forwarded", "for=198.51.100.7;proto=https, for=10.1.2.3, for=127.0.0.1;host=\"127.0.0.1:" + port
                        + "\";proto=http")
                .containsEntry("x-forwarded-proto", "https")
                .containsEntry("x-forwarded-host", "shop.example")
                .containsEntry("x-forwarded-port", "443")
                // 10.1.2.3 is a trusted proxy; 198.51.100.7 is not, so what it claims (6.6.6.6) is not believed.
                .containsEntry("x-real-ip", "198.51.100.7");
    }

    @Test
    void aTrustedProxysForwardingHeadersPassThroughWhereTheRouteWritesNone() throws Exception {
        TestGateway gateway = gateway(TRUSTED);
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/quiet/describe"))
                .headers("X-Forwarded-For", "198.51.100.7", "Forwarded", "for=198.51.100.7", "X-Real-IP", "198.51.100.7",
                        "X-Forwarded-Proto", "https")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(headersOf(response.body())).containsEntry("x-forwarded-for", "198.51.100.7").containsEntry("forwarded", "for=198.51.100.7")
                .containsEntry("x-real-ip", "198.51.100.7").containsEntry("x-forwarded-proto", "https")
                .doesNotContainKeys("x-forwarded-host", "x-forwarded-port");
    }

    @Test
    void aTrustedProxyThatForwardsNothingIsTheClient() throws Exception {
        TestGateway gateway = gateway(TRUSTED);
        Map<String, String> headers = described(gateway, "X-User-Roles", "admin");
        assertThat(headers).doesNotContainKey("x-user-roles");
        assertThat(headers).containsEntry("x-forwarded-for", "127.0.0.1").containsEntry("x-real-ip", "127.0.0.1");
    }

    @Test
    void fieldsThatAnyConnectionFieldNamesAreGoneButAFiltersHeaderIsNot() throws Exception {
        try (RawHttp raw = new RawHttp(gateway("").gateway().httpPort())) {
            RawHttp.Response response = raw.send("GET /tagged/describe HTTP/1.1\r\nHost: localhost\r\nConnection: X-Tags\r\n"
                    + "Connection: keep-alive, X-Secret\r\nX-Secret: hidden\r\nX-Tags: from-the-client\r\nX-Kept: yes\r\n\r\n").read();
            assertThat(response.status()).isEqualTo(200);
            Map<String, String> headers = headersOf(response.body());
            assertThat(headers).doesNotContainKeys("x-secret", "connection").containsEntry("x-tags", "tagged").containsEntry("x-kept", "yes");
        }
    }

    @Test
    void fieldsThatAnyConnectionFieldOfAResponseNamesAreGone() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway("").http("/raw/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(response.headers().map()).doesNotContainKeys("x-secret", "x-other");
        assertThat(response.headers().firstValue("X-Kept")).hasValue("yes");
    }
}
