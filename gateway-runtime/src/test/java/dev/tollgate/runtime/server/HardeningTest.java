package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The secure defaults, checked with raw requests no polite client would send. */
class HardeningTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                server.limits.header-read-timeout = 1s
                server.limits.max-uri-length = 2KiB
                routes = [
                  { id = public, path = "/public/**", endpoint = test-echo }
                  { id = admin, path = "/admin", endpoint = test-echo, filters = [ test-header-auth ] }
                  { id = small, path = "/small", endpoint = test-echo, max-request-body-size = 1KiB }
                ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static RawHttp.Response request(String raw) throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            return http.send(raw).read();
        }
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    @Test
    void dotSegmentsAreResolvedBeforeRoutingSoAPublicPrefixCannotReachAdmin() throws Exception {
        RawHttp.Response response = request(get("/public/../admin"));
        // Routed as /admin, whose authentication filter refuses it; never as /public/**.
        assertThat(response.status()).isEqualTo(401);
        RawHttp.Response canonical = request(get("/public/a/./b/../c"));
        assertThat(canonical.status()).isEqualTo(200);
        assertThat(canonical.body()).contains("\"path\":\"/public/a/c\"", "\"route\":\"public\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/public/%2e%2e/admin", "/public/..%2fadmin", "/public/a%2Fb", "/public/..;/admin",
            "/public;x=1/../admin", "/public/%252e%252e/admin", "/public\\..\\admin", "/../etc/passwd"})
    void ambiguousPathsAreRefused(String target) throws Exception {
        RawHttp.Response response = request(get(target));
        assertThat(response.status()).as(target).isEqualTo(400);
        assertThat(response.body()).as(target).contains("\"code\":\"BAD_REQUEST\"");
    }

    @Test
    void duplicateSlashesAreMerged() throws Exception {
        RawHttp.Response response = request(get("/public//x///y"));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"path\":\"/public/x/y\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "Content-Length: 5\r\nContent-Length: 6\r\n",
            "Content-Length: 5\r\nContent-Length: 5\r\n",
            "Content-Length: 5, 5\r\n",
            "Content-Length: +5\r\n",
            "Content-Length: -5\r\n",
            "Content-Length: 0x5\r\n",
            "Transfer-Encoding: xchunked\r\n",
            "Transfer-Encoding: chunked, identity\r\n",
            "Transfer-Encoding : chunked\r\n",
            "Transfer-Encoding:\tchunked\r\nTransfer-Encoding: gzip\r\n",
            "X-Folded: a\r\n b\r\n"})
    void requestSmugglingShapesAreRefusedAndTheConnectionClosed(String headers) throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.send("POST /public/x HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n0\r\n\r\n");
            RawHttp.Response response = http.read();
            assertThat(response.status()).as(headers).isEqualTo(400);
            assertThat(response.body()).as(headers).contains("\"code\":\"BAD_REQUEST\"");
            assertThat(http.isClosedByServer()).as(headers).isTrue();
        }
    }

    @Test
    void headerNamesWithUnderscoresAreRefused() throws Exception {
        RawHttp.Response response = request("GET /public/x HTTP/1.1\r\nHost: localhost\r\nX_Forwarded_For: 1.2.3.4\r\n\r\n");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("underscores", "X_Forwarded_For");
    }

    @Test
    void oversizedHeadersAndTargetsHaveTheirOwnStatuses() throws Exception {
        RawHttp.Response headers = request("GET /public/x HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertThat(headers.status()).isEqualTo(431);
        assertThat(headers.body()).contains("\"code\":\"HEADERS_TOO_LARGE\"");
        RawHttp.Response target = request(get("/public/" + "a".repeat(3000)));
        assertThat(target.status()).isEqualTo(414);
        assertThat(target.body()).contains("\"code\":\"URI_TOO_LONG\"");
    }

    @Test
    void aBodyDeclaredTooLargeIsRefusedBeforeItIsSent() throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            // Only the head is sent: the answer must not wait for the 2 KiB body.
            http.send("POST /small HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2048\r\n\r\n");
            RawHttp.Response response = http.read();
            assertThat(response.status()).isEqualTo(413);
            assertThat(response.body()).contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void aChunkedBodyGrowingTooLargeIsRefused() throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            String chunk = "400\r\n" + "a".repeat(1024) + "\r\n";
            http.send("POST /small HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "0\r\n\r\n");
            RawHttp.Response response = http.read();
            assertThat(response.status()).isEqualTo(413);
        }
    }

    @Test
    void responsesCarryNoServerBanner() throws Exception {
        RawHttp.Response response = request(get("/public/x"));
        assertThat(response.headers()).doesNotContainKey("server").doesNotContainKey("x-powered-by").containsKey("date");
    }

    @Test
    void aTrickledRequestHeadIsCutOffAtTheHeaderReadTimeout() throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.send("GET /public/x HTTP/1.1\r\nHost: localhost\r\n");
            http.setTimeout(200);
            // One header byte every 200 ms keeps the idle timeout (60 s) from ever firing.
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                try {
                    http.send("X");
                }
                catch (java.io.IOException e) {
                    return true;
                }
                return http.isClosedByServer();
            });
        }
    }

    /**
     * h2c smuggling: behind an HTTP/1.1 load balancer, a 101 to {@code Upgrade: h2c} would let the
     * client speak HTTP/2 through the balancer's connection, past its rules.
     */
    @Test
    void anH2cUpgradeIsServedAsHttp11() throws Exception {
        RawHttp.Response response = request("GET /public/x HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"protocol\":\"HTTP/1.1\"");
    }

    @Test
    void unknownRoutesAndMethodsGetTheJsonShape() throws Exception {
        RawHttp.Response missing = request(get("/nowhere"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.headers().get("content-type")).isEqualTo("application/json");
        assertThat(missing.body()).matches("\\{\"error\":\\{\"code\":\"NOT_FOUND\",\"message\":\"no route for GET /nowhere\",\"requestId\":\"[0-9a-f]{32}\"}}");
        assertThat(missing.headers().get("x-request-id")).matches("[0-9a-f]{32}");
    }
}
