package dev.tollgate.runtime.server;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.RawHttp2;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the gateway's HTTP/2 (h2c with prior knowledge) with sequences of frames over a real
 * socket to one running gateway: requests whose header fields are well-formed, malformed or raw
 * HPACK, bodies, resets, settings, window updates, pings, priorities, GOAWAY, CONTINUATION and
 * frames of unknown types, on streams right or wrong. After each sequence a PING must be
 * acknowledged or the connection closed (by GOAWAY); no response is 5xx; nothing is logged at
 * WARN or above; and the next client's request is answered.
 *
 * <p>Run by surefire's fuzz execution (README, "Fuzzing"); failing inputs land in
 * {@code src/test/resources/dev/tollgate/runtime/server/Http2FrameFuzzTestInputs/}.
 */
class Http2FrameFuzzTest {
    private static final String[] PATHS = {"/echo/x", "/admin", "/small", "/only-get", "/nope", "*", "", "/echo/%2e%2e/x", "echo"};
    private static final String[] METHODS = {"GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "get", ""};
    private static final String[] NAMES = {":method", ":scheme", ":path", ":authority", ":status", ":protocol", "content-length",
            "te", "connection", "host", "Upper", "x-request-id", "cookie", "transfer-encoding", "x_underscore", ""};
    private static final String[] VALUES = {"GET", "http", "https", "/echo/x", "localhost", "0", "5", "-1", "trailers", "close",
            "websocket", "chunked", "a\u0000b", " padded ", ""};
    private static final long PING_PAYLOAD = 0x7467_6675_7a7a_0001L;

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
    void framesNeverBreakTheGateway(FuzzedDataProvider data) throws Exception {
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.startsWith("127."));
        logs.clear();
        List<String> sent = new ArrayList<>();
        List<Frame> received;
        try (RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
            int frames = data.consumeInt(1, 10);
            try {
                for (int i = 0; i < frames && data.remainingBytes() > 0; i++) {
                    sent.add(frame(http2, data));
                }
            }
            catch (IOException e) {
                // The gateway closed the connection (GOAWAY) before the rest was written.
            }
            try {
                received = http2.framesUntilPingAckOrClose(PING_PAYLOAD, Duration.ofSeconds(10));
            }
            catch (AssertionError e) {
                throw new AssertionError("after " + sent + ": " + e.getMessage(), e);
            }
        }
        for (Frame frame : received) {
            if (frame instanceof HeadersFrame headers && headers.getMetaData() instanceof MetaData.Response response) {
                assertThat(response.getStatus()).as("a status answering %s", sent).isLessThan(500);
            }
        }
        assertThat(logs.warningsWithOrigin()).as("warnings and errors logged for %s", sent).isEmpty();

        try (RawHttp2 next = RawHttp2.clearText(gateway.gateway().httpPort())) {
            next.headers(1, true, RawHttp2.get("http", "/echo/next"));
            HeadersFrame response = next.await(HeadersFrame.class, headers -> headers.getStreamId() == 1, Duration.ofSeconds(10));
            assertThat(((MetaData.Response) response.getMetaData()).getStatus()).as("the next client's request").isEqualTo(200);
        }
    }

    /** Sends one frame chosen and filled by the fuzzer; returns what it was, for messages. */
    private static String frame(RawHttp2 http2, FuzzedDataProvider data) throws IOException {
        int stream = data.consumeBoolean() ? data.pickValue(new int[] {1, 3, 5}) : data.consumeInt(0, 9);
        switch (data.consumeInt(0, 10)) {
            case 0, 1 -> {
                String[] fields = fields(data);
                boolean end = data.consumeBoolean();
                http2.headers(stream, end, fields);
                return "HEADERS(" + stream + (end ? ", end" : "") + ") " + String.join(" ", fields);
            }
            case 2 -> {
                int flags = data.consumeInt(0, 0xff);
                byte[] block = data.consumeBytes(200);
                http2.frame(RawHttp2.HEADERS, flags, stream, block);
                return "HEADERS(" + stream + ", flags " + flags + ") raw " + block.length + " bytes";
            }
            case 3 -> {
                boolean end = data.consumeBoolean();
                byte[] payload = data.consumeBytes(1500);
                http2.data(stream, end, payload);
                return "DATA(" + stream + (end ? ", end" : "") + ") " + payload.length + " bytes";
            }
            case 4 -> {
                int code = data.consumeInt(0, 14);
                http2.reset(stream, code);
                return "RST_STREAM(" + stream + ", " + code + ")";
            }
            case 5 -> {
                boolean ack = data.consumeInt(0, 7) == 0;
                int settings = data.consumeInt(0, 4);
                ByteBuffer payload = ByteBuffer.allocate(settings * 6);
                StringBuilder described = new StringBuilder("SETTINGS(").append(ack ? "ack" : "");
                for (int i = 0; i < settings; i++) {
                    int id = data.consumeInt(0, 9);
                    int value = data.consumeInt();
                    payload.putShort((short) id).putInt(value);
                    described.append(' ').append(id).append('=').append(Integer.toUnsignedString(value));
                }
                http2.frame(RawHttp2.SETTINGS, ack ? RawHttp2.ACK : 0, data.consumeInt(0, 7) == 0 ? stream : 0, payload.array());
                return described.append(')').toString();
            }
            case 6 -> {
                int delta = data.consumeBoolean() ? data.consumeInt(0, 70_000) : data.consumeInt();
                http2.windowUpdate(data.consumeBoolean() ? 0 : stream, delta);
                return "WINDOW_UPDATE(" + stream + ", " + delta + ")";
            }
            case 7 -> {
                http2.frame(RawHttp2.PRIORITY, 0, stream, data.consumeBytes(5));
                return "PRIORITY(" + stream + ")";
            }
            case 8 -> {
                http2.frame(RawHttp2.GOAWAY, 0, data.consumeBoolean() ? 0 : stream, data.consumeBytes(20));
                return "GOAWAY";
            }
            case 9 -> {
                int flags = data.consumeBoolean() ? RawHttp2.END_HEADERS : 0;
                http2.frame(RawHttp2.CONTINUATION, flags, stream, data.consumeBytes(100));
                return "CONTINUATION(" + stream + ", flags " + flags + ")";
            }
            default -> {
                int type = data.consumeInt(0, 0xff);
                int flags = data.consumeInt(0, 0xff);
                http2.frame(type, flags, stream, data.consumeBytes(100));
                return "frame type " + type + "(" + stream + ", flags " + flags + ")";
            }
        }
    }

    /** Header fields: a well-formed request, or one with fields dropped, added, repeated or fuzzed. */
    private static String[] fields(FuzzedDataProvider data) {
        List<String> fields = new ArrayList<>(List.of(
                ":method", data.consumeBoolean() ? "GET" : data.pickValue(METHODS),
                ":scheme", "http",
                ":path", data.pickValue(PATHS) + (data.consumeBoolean() ? "" : data.consumeAsciiString(20)),
                ":authority", "localhost"));
        int changes = data.consumeInt(0, 4);
        for (int i = 0; i < changes; i++) {
            switch (data.consumeInt(0, 2)) {
                case 0 -> {
                    if (fields.size() >= 2) {
                        int index = 2 * data.consumeInt(0, fields.size() / 2 - 1);
                        fields.remove(index);
                        fields.remove(index);
                    }
                }
                case 1 -> {
                    fields.add(data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeAsciiString(15));
                    fields.add(data.consumeBoolean() ? data.pickValue(VALUES) : new String(data.consumeBytes(40), StandardCharsets.ISO_8859_1));
                }
                default -> {
                    int index = 2 * data.consumeInt(0, Math.max(0, fields.size() / 2 - 1));
                    if (index + 1 < fields.size()) {
                        fields.add(0, fields.get(index + 1));
                        fields.add(0, fields.get(index + 1));
                    }
                }
            }
        }
        return fields.toArray(String[]::new);
    }
}
