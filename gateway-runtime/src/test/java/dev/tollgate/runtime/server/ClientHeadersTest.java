package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reaches filters and endpoints of a client's headers, through a running gateway whose
 * {@code test-echo} endpoint describes the request it received (after a {@code test-tag} filter
 * added {@code X-Tags}): fields a {@code Connection} header names are gone before the filters run,
 * whichever {@code Connection} field names them; identity headers never arrive; forwarding headers
 * arrive only from trusted proxies, and the client address follows the same rule. The test client
 * connects from 127.0.0.1.
 */
class ClientHeadersTest {
    private static final String ROUTES = """
            routes = [ { id = echo, path = "/echo/**", endpoint = test-echo, filters = [ test-tag ] } ]
            """;
    private static final String TRUSTED = "server.trusted-proxies = [\"127.0.0.1/32\", \"10.0.0.0/8\", \"2001:db8:1::/48\"]";
    private static final String TRUSTED_FORWARDED = TRUSTED + "\nserver.client-address-header = Forwarded";
    private static final String UNTRUSTED = "server.trusted-proxies = [\"10.0.0.0/8\", \"::1/128\"]";
    private static final Map<String, TestGateway> GATEWAYS = new LinkedHashMap<>();

    /** The gateway with these settings (and the echo route), started on first use. */
    private static synchronized TestGateway gateway(String settings) throws Exception {
        TestGateway existing = GATEWAYS.get(settings);
        if (existing != null) {
            return existing;
        }
        TestGateway started = TestGateway.start(settings + "\n" + ROUTES);
        GATEWAYS.put(settings, started);
        return started;
    }

    @AfterAll
    static void stop() {
        GATEWAYS.values().forEach(TestGateway::close);
    }

    private static String echo(TestGateway gateway, String headers) throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            RawHttp.Response response = http.send("GET /echo/x HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n").read();
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            return response.body();
        }
    }

    @Test
    void fieldsThatAnyConnectionFieldNamesAreGoneBeforeTheFiltersRun() throws Exception {
        String body = echo(gateway(""), "Connection: keep-alive\r\nConnection: X-Tags, X-Secret\r\nX-Secret: hidden\r\n"
                + "X-Tags: from-the-client\r\nX-Kept: yes\r\n");
        assertThat(body).doesNotContain("x-secret", "from-the-client");
        // The filter's X-Tags, added after the client's was removed, survives.
        assertThat(body).contains("\"x-tags\":\"tagged\"", "\"x-kept\":\"yes\"");
    }

    @Test
    void connectionCannotRemoveWhatTheGatewayReadsItself() throws Exception {
        String body = echo(gateway(""), "Connection: Host, Content-Length, X-Request-Id, TE\r\nTE: trailers\r\nX-Request-Id: client-7\r\n");
        assertThat(body).contains("\"host\":\"localhost\"", "\"x-request-id\":\"client-7\"", "\"te\":\"trailers\"");
    }

    @Test
    void identityAndForwardingHeadersOfAClientThatIsNoProxyNeverArrive() throws Exception {
        String body = echo(gateway(""), "Forwarded: for=127.0.0.1;host=evil.example;proto=https\r\nX-Real-IP: 7.7.7.7\r\n"
                + "X-User-Id: admin\r\nX-User-Roles: admin\r\nX-Forwarded-For: 7.7.7.7\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: evil.example\r\nX-Forwarded-Client-Cert: Hash=1;Subject=\"CN=admin\"\r\nX-Kept: yes\r\n");
        assertThat(body).doesNotContain("forwarded", "x-real-ip", "x-user", "evil.example", "7.7.7.7");
        assertThat(body).contains("\"x-kept\":\"yes\"");
    }

    @Test
    void aClientThatIsNoProxyIsThePeerWhateverItClaims() throws Exception {
        for (String settings : new String[] {"", UNTRUSTED}) {
            String body = echo(gateway(settings), "X-Forwarded-For: 198.51.100.7\r\nX-Real-IP: 198.51.100.7\r\n");
            assertThat(body).as(settings).contains("\"clientAddress\":\"127.0.0.1\"").doesNotContain("198.51.100.7");
        }
    }

    @Test
    void behindTrustedProxiesTheClientIsTheRightmostUntrustedAddressOfXForwardedFor() throws Exception {
        TestGateway gateway = gateway(TRUSTED);
        // Two fields are one list; 10.1.2.3 is trusted, so 198.51.100.7 is the client and what it claims is not believed.
        String body = echo(gateway, "X-Forwarded-For: 6.6.6.6, 198.51.100.7\r\nX-Forwarded-For: 10.1.2.3\r\nX-User-Id: admin\r\n"
                + "X-Forwarded-Proto: https\r\n");
        assertThat(body).contains("\"clientAddress\":\"198.51.100.7\"", "\"x-forwarded-for\":\"6.6.6.6, 198.51.100.7,10.1.2.3\"",
                "\"x-forwarded-proto\":\"https\"").doesNotContain("x-user-id");
        assertThat(echo(gateway, "X-Forwarded-For: 10.9.9.9, 10.1.2.3\r\n")).as("all trusted: the leftmost")
                .contains("\"clientAddress\":\"10.9.9.9\"");
        assertThat(echo(gateway, "X-Forwarded-For: 6.6.6.6, unknown, 10.1.2.3\r\n")).as("an unknown node: the last trusted proxy")
                .contains("\"clientAddress\":\"10.1.2.3\"");
        assertThat(echo(gateway, "X-Forwarded-For: 6.6.6.6, 10.1.2.300\r\n")).as("a malformed entry: the peer")
                .contains("\"clientAddress\":\"127.0.0.1\"");
        assertThat(echo(gateway, "X-Forwarded-For: [2001:db8:2::7]:4711, [2001:db8:1::5]\r\n")).as("IPv6 with brackets and a port")
                .contains("\"clientAddress\":\"2001:db8:2:0:0:0:0:7\"");
        assertThat(echo(gateway, "")).as("nothing forwarded: the proxy").contains("\"clientAddress\":\"127.0.0.1\"");
    }

    @Test
    void forwardedElementsAreReadWithQuotedStringsBracketsAndObfuscatedNodes() throws Exception {
        TestGateway gateway = gateway(TRUSTED_FORWARDED);
        assertThat(echo(gateway, "Forwarded: for=\"[2001:db8:cafe::17]:4711\";proto=https, For=10.1.2.3;by=_gateway\r\n"))
                .contains("\"clientAddress\":\"2001:db8:cafe:0:0:0:0:17\"");
        assertThat(echo(gateway, "Forwarded: for=198.51.100.7;host=\"a.example, b;c\", for=\"10.1.2.3:8080\"\r\n"))
                .contains("\"clientAddress\":\"198.51.100.7\"");
        assertThat(echo(gateway, "Forwarded: for=198.51.100.7, for=_hidden, for=10.1.2.3\r\n"))
                .contains("\"clientAddress\":\"10.1.2.3\"");
        assertThat(echo(gateway, "Forwarded: for=unknown\r\n")).contains("\"clientAddress\":\"127.0.0.1\"");
        assertThat(echo(gateway, "Forwarded: proto=https\r\n")).as("an element without for").contains("\"clientAddress\":\"127.0.0.1\"");
        // The chain is Forwarded here: X-Forwarded-For is passed on (a trusted peer) but not read.
        assertThat(echo(gateway, "X-Forwarded-For: 198.51.100.7\r\n")).contains("\"clientAddress\":\"127.0.0.1\"");
    }
}
