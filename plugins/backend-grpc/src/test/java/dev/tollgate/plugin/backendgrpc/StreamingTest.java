package dev.tollgate.plugin.backendgrpc;

import com.google.gson.JsonParser;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tollgate.plugin.backendgrpc.Gateways.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Server streaming: Server-Sent Events, NDJSON or a streamed JSON array by what the client
 * accepts; a failed stream ends with its status (SSE, NDJSON) or is cut off (array); a slow reader
 * holds the instance back instead of filling the gateway's memory, and leaving cancels the call.
 */
class StreamingTest {
    private static ProjectsServer server;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        server = ProjectsServer.start();
        gateway = Gateways.start("""
                server.limits.min-response-data-rate = 0
                services.projects { backend = grpc, instances = ["%s"], schema.descriptor-sets = ["%s"] }
                routes = [ { path = "/**", service = projects } ]
                """.formatted(server.url(), Gateways.DESCRIPTOR_SET));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void serverSentEventsWhenTheClientAcceptsThem() throws Exception {
        HttpResponse<String> response = send(gateway, "GET", "/v1/events?count=3", null, "Accept", "text/event-stream");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        assertThat(response.body()).isEqualTo("data: {}\n\ndata: {\"seq\":1}\n\ndata: {\"seq\":2}\n\n");
    }

    @Test
    void aFailedStreamEndsWithAnErrorEvent() throws Exception {
        HttpResponse<String> response = send(gateway, "GET", "/v1/events?failAfter=2", null, "Accept", "text/event-stream");
        assertThat(response.statusCode()).isEqualTo(200);
        String[] events = response.body().split("\n\n");
        assertThat(events).hasSize(3);
        assertThat(events[2]).startsWith("event: error\ndata: ");
        String error = events[2].substring("event: error\ndata: ".length());
        assertThat(JsonParser.parseString(error).getAsJsonObject().getAsJsonObject("error").get("grpcStatus").getAsString())
                .isEqualTo("FAILED_PRECONDITION");
    }

    @Test
    void ndjsonWhenAskedWithTheErrorAsTheLastLine() throws Exception {
        HttpResponse<String> good = send(gateway, "GET", "/v1/events?count=2", null, "Accept", "application/x-ndjson");
        assertThat(good.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        assertThat(good.body()).isEqualTo("{}\n{\"seq\":1}\n");

        HttpResponse<String> failed = send(gateway, "GET", "/v1/events?failAfter=1", null, "Accept", "application/x-ndjson");
        String[] lines = failed.body().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).contains("\"grpcStatus\":\"FAILED_PRECONDITION\"");
    }

    @Test
    void aStreamedJsonArrayOtherwiseCutOffWhenItFails() throws Exception {
        HttpResponse<String> good = send(gateway, "GET", "/v1/events?count=3", null);
        assertThat(good.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(good.body()).isEqualTo("[{},{\"seq\":1},{\"seq\":2}]");

        assertThatThrownBy(() -> send(gateway, "GET", "/v1/events?failAfter=2", null)).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void aSlowReaderHoldsTheInstanceBackAndLeavingCancelsTheCall() throws Exception {
        int before = server.streamMessagesSent.get();
        try (Socket socket = new Socket("127.0.0.1", gateway.gateway().httpPort())) {
            socket.getOutputStream().write(("GET /v1/events?payloadSize=16384 HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            EventCounter events = new EventCounter(socket.getInputStream());
            events.readUntil(10);
            // The client stops reading: the instance is held back by flow control, end to end.
            AtomicInteger last = new AtomicInteger(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                int now = server.streamMessagesSent.get();
                return now == last.getAndSet(now);
            });
            int held = server.streamMessagesSent.get() - before;
            // What the socket buffers and HTTP/2 windows hold (a few MB at most), not an unbounded buffer of 16 KiB messages.
            assertThat(held).isLessThan(1500);
            // Reading again lets it go on.
            events.readUntil(held + 50);
            assertThat(server.streamMessagesSent.get() - before).isGreaterThan(held);
            assertThat(server.inFlight.get()).isEqualTo(1);
        }
        // The client left with data unread (a reset): the call is cancelled at the instance.
        await().atMost(Duration.ofSeconds(10)).until(() -> server.inFlight.get() == 0);
    }

    /** Counts the "data: " lines of a raw HTTP/1.1 response. */
    private static final class EventCounter {
        private static final byte[] MARK = "data: ".getBytes(StandardCharsets.US_ASCII);
        private final InputStream in;
        private int matched;
        private int count;

        EventCounter(InputStream in) {
            this.in = in;
        }

        void readUntil(int events) throws java.io.IOException {
            byte[] buffer = new byte[8192];
            while (count < events) {
                int read = in.read(buffer);
                assertThat(read).as("the stream goes on").isPositive();
                for (int i = 0; i < read; i++) {
                    matched = buffer[i] == MARK[matched] ? matched + 1 : buffer[i] == MARK[0] ? 1 : 0;
                    if (matched == MARK.length) {
                        count++;
                        matched = 0;
                    }
                }
            }
        }
    }
}
