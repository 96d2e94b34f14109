package dev.tollgate.runtime.server;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the request parsing path — Jetty's HTTP/1.1 parser, then the gateway's screening,
 * routing and error answers — over a real socket to one running gateway: raw bytes, and requests
 * assembled from parts that are each plausible or slightly wrong (request line, header fields,
 * {@code Content-Length} and chunked bodies, pipelining). Whatever a client sends, the gateway
 * answers with well-formed HTTP/1.1 responses ({@link Http1Responses}), none 5xx, its errors in
 * the JSON error shape; logs no warning or error; and answers the next client.
 *
 * <p>Run by surefire's fuzz execution (README, "Fuzzing"); inputs that fail land in
 * {@code src/test/resources/dev/tollgate/runtime/server/Http1RequestFuzzTestInputs/}, where they
 * are replayed by every later run.
 */
class Http1RequestFuzzTest {
    private static final String[] METHODS = {"GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "CONNECT", "TRACE", "PRI"};
    private static final String[] TARGETS = {"/echo/x", "/echo/a/../b", "/admin", "/small", "/only-get", "/ws", "/health", "*",
            "http://localhost/echo/x", "localhost:80", "/echo/%2e%2e/x", "/echo;p=1", "/nope"};
    private static final String[] VERSIONS = {"HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/0.9", "http/1.1", "HTTP/1.1 ", "HTTP/1.10", ""};
    private static final String[] FIELDS = {"Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect", "Upgrade",
            "Content-Type", "X-Request-Id", "Forwarded", "X-Forwarded-For", "TE", "Trailer", "Cookie", "X-User",
            "Sec-WebSocket-Key", "Sec-WebSocket-Version", "HTTP2-Settings", "X_Underscore", "Content-Encoding", "Range"};
    private static final String[] VALUES = {"localhost", "0", "5", "-1", "18446744073709551616", "chunked", "gzip, chunked",
            "chunked, identity", "close", "keep-alive", "Upgrade, HTTP2-Settings", "100-continue", "websocket", "h2c",
            "dGhlIHNhbXBsZSBub25jZQ==", "13", "application/json", "for=1.2.3.4", "trailers", "alice", ""};
    private static final String[] SEPARATORS = {": ", ":", " : ", ":\t", ":  "};
    private static final String[] LINE_ENDS = {"\r\n", "\n", "\r"};

    private static TestGateway gateway;
    private static CapturedLogs logs;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                server.https.enabled = false
                routes = [
                  { path = "/echo/**", endpoint = test-echo }
                  { path = "/admin", endpoint = test-echo, filters = [ test-header-auth ] }
                  { path = "/small", endpoint = test-echo, max-request-body-size = 1KiB }
                  { path = "/only-get", methods = [GET], endpoint = test-echo }
                  { path = "/ws", endpoint = test-ws-echo }
                ]
                """);
        logs = CapturedLogs.everyLogger();
    }

    @AfterAll
    static void stop() {
        logs.close();
        gateway.close();
    }

    @FuzzTest(maxDuration = "15s")
    // Printable entries only: Jazzer 0.30 writes control characters into the dictionary file unescaped.
    @DictionaryEntries({"HTTP/1.1", "Content-Length: ", "Transfer-Encoding: chunked", "Expect: 100-continue",
            "Connection: close", "Host: localhost", "/echo/", "PRI * HTTP/2.0"})
    void requestsNeverBreakTheGateway(FuzzedDataProvider data) throws Exception {
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.startsWith("127."));
        logs.clear();
        boolean assembled = data.consumeBoolean();
        byte[] request = assembled ? assemble(data) : data.consumeRemainingAsBytes();

        byte[] received = exchange(request);
        Http1Responses.check(request, received);

        assertThat(logs.warningsWithOrigin()).as("warnings and errors logged for %s", Http1Responses.printable(request)).isEmpty();
        try (RawHttp next = new RawHttp(gateway.gateway().httpPort())) {
            RawHttp.Response response = next.send("GET /echo/next HTTP/1.1\r\nHost: localhost\r\n\r\n").read();
            assertThat(response.status()).as("the next client's request").isEqualTo(200);
        }
    }

    /**
     * Sends the request on a new connection, half-closes it (the gateway sees the end of the
     * client's bytes at once, not after its header timeout) and returns what came back until the
     * gateway closed the connection.
     */
    private static byte[] exchange(byte[] request) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket socket = new Socket("127.0.0.1", gateway.gateway().httpPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                socket.shutdownOutput();
            }
            catch (SocketException e) {
                // The gateway closed the connection before it read everything (after an answer, checked below).
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    received.write(buffer, 0, read);
                    assertThat(received.size()).as("bytes received").isLessThan(4 << 20);
                }
            }
            catch (SocketException e) {
                // A reset: the gateway closed with bytes of ours unread; what arrived before is checked.
            }
        }
        return received.toByteArray();
    }

    /** A request assembled from parts, each chosen or fuzzed; sometimes several, pipelined. */
    private static byte[] assemble(FuzzedDataProvider data) {
        StringBuilder text = new StringBuilder();
        int requests = data.consumeInt(1, 3);
        for (int r = 0; r < requests && data.remainingBytes() > 0; r++) {
            String end = data.consumeBoolean() ? "\r\n" : data.pickValue(LINE_ENDS);
            String method = data.consumeBoolean() ? data.pickValue(METHODS) : data.consumeAsciiString(12);
            String target = data.pickValue(TARGETS) + (data.consumeBoolean() ? "" : data.consumeAsciiString(40));
            String version = data.consumeBoolean() ? "HTTP/1.1" : data.pickValue(VERSIONS);
            text.append(method).append(' ').append(target).append(' ').append(version).append(end);
            boolean host = data.consumeBoolean();
            if (host) {
                text.append("Host: localhost").append(end);
            }
            int fields = data.consumeInt(0, 8);
            for (int f = 0; f < fields; f++) {
                String name = data.consumeBoolean() ? data.pickValue(FIELDS) : data.consumeAsciiString(20);
                String value = data.consumeBoolean() ? data.pickValue(VALUES) : data.consumeString(60);
                text.append(name).append(data.pickValue(SEPARATORS)).append(value).append(end);
                if (data.consumeInt(0, 15) == 0) {
                    // Obsolete line folding.
                    text.append(' ').append(data.consumeAsciiString(10)).append(end);
                }
            }
            String body = data.consumeString(200);
            switch (data.consumeInt(0, 3)) {
                case 0 -> text.append(end);
                case 1 -> text.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append(end).append(end)
                        .append(body);
                case 2 -> text.append("Transfer-Encoding: chunked").append(end).append(end).append(chunked(data, body, end));
                default -> text.append(end).append(body);
            }
        }
        if (data.consumeBoolean()) {
            text.append(data.consumeRemainingAsString());
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code body} in chunks, with sizes, extensions and trailers right or fuzzed. */
    private static String chunked(FuzzedDataProvider data, String body, String end) {
        StringBuilder chunks = new StringBuilder();
        int position = 0;
        while (position < body.length()) {
            int length = data.consumeInt(1, body.length() - position);
            String chunk = body.substring(position, position + length);
            position += length;
            int size = chunk.getBytes(StandardCharsets.UTF_8).length;
            String sizeText = data.consumeInt(0, 7) == 0 ? data.consumeAsciiString(10) : Integer.toHexString(size);
            chunks.append(sizeText);
            if (data.consumeInt(0, 7) == 0) {
                chunks.append(';').append(data.consumeAsciiString(20));
            }
            chunks.append(end).append(chunk).append(end);
        }
        chunks.append('0').append(end);
        if (data.consumeInt(0, 3) == 0) {
            chunks.append(data.consumeBoolean() ? data.pickValue(FIELDS) : data.consumeAsciiString(20)).append(": ")
                    .append(data.consumeAsciiString(20)).append(end);
        }
        return chunks.append(end).toString();
    }
}
