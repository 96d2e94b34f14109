package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.RawHttp2;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 answers say {@code Connection: close} whenever the gateway closes the connection after
 * them, and a request body nobody read is never taken for the next request.
 */
class PersistentConnectionsTest {
    /** What a body carries when a client tries to slip a second request past the first one's answer. */
    private static final String SMUGGLED = "GET /echo/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                routes = [
                  { path = "/echo/**", endpoint = test-echo }
                  { path = "/admin", endpoint = test-echo, filters = [ test-header-auth ] }
                  { path = "/only-get", methods = [GET], endpoint = test-echo }
                ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\nHost: localhost\r\n\r\n", "GET /echo/x HTTP/1.1\r\nHost: localhost\r\n\u0001\r\n\r\n"})
    void anUnparsableRequestIsAnsweredInJsonWithConnectionClose(String raw) throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            RawHttp.Response response = http.send(raw).read();
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("\"code\":\"BAD_REQUEST\"");
            assertThat(response.headers()).containsEntry("connection", "close");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    /** Answered before the body arrived: the gateway cannot skip it, so it closes and says so. */
    @ParameterizedTest
    @ValueSource(strings = {"POST /nope", "POST /admin", "POST /only-get", "GET /echo/x", "POST /public;x=1"})
    void anAnswerSentBeforeTheBodyArrivedSaysConnectionClose(String requestLine) throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.send(requestLine + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n");
            RawHttp.Response response = http.read();
            assertThat(response.headers()).as(requestLine).containsEntry("connection", "close");
            http.send(SMUGGLED);
            assertThat(http.isClosedByServer()).as(requestLine).isTrue();
        }
    }

    /** The body arrived with the head: whether it is skipped or the connection closed, it is never a request. */
    @ParameterizedTest
    @ValueSource(strings = {"POST /nope", "POST /admin", "POST /only-get", "GET /echo/x", "POST /public;x=1"})
    void aBodyNobodyReadIsNeverTakenForTheNextRequest(String requestLine) throws Exception {
        try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.send(requestLine + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED);
            RawHttp.Response response = http.read();
            if ("close".equals(response.headers().get("connection"))) {
                assertThat(http.isClosedByServer()).as(requestLine).isTrue();
                return;
            }
            http.send("GET /echo/next HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response next = http.read();
            assertThat(next.status()).as(requestLine).isEqualTo(200);
            assertThat(next.body()).as(requestLine).contains("\"path\":\"/echo/next\"");
        }
    }

    /** Over HTTP/2 the stream, not the connection, carries the unread body: the answer still arrives. */
    @ParameterizedTest
    @ValueSource(strings = {"/nope", "/admin", "/only-get", "/echo/x"})
    void overHttp2AnAnswerSentBeforeTheBodyArrivedArrives(String path) throws Exception {
        try (RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
            String[] post = RawHttp2.get("http", path);
            post[1] = path.equals("/echo/x") ? "GET" : "POST";
            http2.headers(1, false, post);
            HeadersFrame response = http2.await(HeadersFrame.class, headers -> headers.getStreamId() == 1, Duration.ofSeconds(10));
            assertThat(((MetaData.Response) response.getMetaData()).getStatus()).as(path).isIn(200, 401, 404, 405);
            http2.data(1, true, SMUGGLED.getBytes(StandardCharsets.US_ASCII));
            assertThat(http2.framesUntilPingAck(1)).as(path).isNotNull();
        }
    }
}
