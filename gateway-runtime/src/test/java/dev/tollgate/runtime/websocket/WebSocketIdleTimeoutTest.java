package dev.tollgate.runtime.websocket;

import dev.tollgate.runtime.testing.RawWebSocket;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The idle timeout counts what the peer sends, not what the gateway writes: the heartbeat's own
 * pings must not keep a silent peer connected.
 */
class WebSocketIdleTimeoutTest {
    private static final String ROUTE = """
            routes = [ { path = "/ws", endpoint = { name = test-ws-echo, idle-timeout = 4s, ping-interval = 1s } } ]
            """;

    @Test
    void aPeerThatNeverReadsNorAnswersPingsIsClosedAfterTheIdleTimeout() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTE);
             RawWebSocket silent = RawWebSocket.connect(gateway.ws("/ws"))) {
            long opened = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> sessions(gateway) == 1);
            // The peer reads nothing and sends nothing; the gateway pings it every second meanwhile.
            await().atMost(Duration.ofSeconds(12)).until(() -> sessions(gateway) == 0);
            assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
            assertThat(metric(gateway, "tollgate_websocket_idle_timeouts")).isEqualTo(1);

            // What was sent to it: the greeting, pings, then a close with 1001; then the connection ends.
            List<RawWebSocket.Frame> frames = new ArrayList<>();
            RawWebSocket.Frame frame;
            while ((frame = silent.readFrame()) != null) {
                frames.add(frame);
            }
            assertThat(frames).extracting(RawWebSocket.Frame::opcode).contains(RawWebSocket.PING);
            RawWebSocket.Frame last = frames.get(frames.size() - 1);
            assertThat(last.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(last.closeCode()).isEqualTo(1001);
        }
    }

    @Test
    void aPeerThatAnswersPingsStaysConnectedWithoutSendingMessages() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTE)) {
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            // The JDK client answers pings by itself; this one never sends a message.
            WebSocket quiet = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(gateway.ws("/ws"), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                    closed.complete(statusCode);
                    return null;
                }
            }).get(5, TimeUnit.SECONDS);
            await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(9)).until(() -> !closed.isDone() && sessions(gateway) == 1);
            assertThat(metric(gateway, "tollgate_websocket_idle_timeouts")).isZero();
            quiet.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPeerThatAnswersPingsByHandStaysConnected() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTE);
             RawWebSocket peer = RawWebSocket.connect(gateway.ws("/ws"))) {
            long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
            int pongs = 0;
            while (System.nanoTime() < until) {
                RawWebSocket.Frame frame = peer.readFrame();
                assertThat(frame).as("the connection is still open").isNotNull();
                assertThat(frame.opcode()).as("not closed: %s", frame.text()).isNotEqualTo(RawWebSocket.CLOSE);
                if (frame.opcode() == RawWebSocket.PING) {
                    peer.pong(frame.payload());
                    pongs++;
                }
            }
            assertThat(pongs).isGreaterThanOrEqualTo(3);
            assertThat(metric(gateway, "tollgate_websocket_idle_timeouts")).isZero();
            peer.sendText("still here");
            assertThat(peer.readFrame().text()).isEqualTo("echo:still here");
        }
    }

    private static long sessions(TestGateway gateway) {
        return metric(gateway, "tollgate_websocket_sessions");
    }

    /** A sample of the gateway's Prometheus text, 0 when absent. */
    private static long metric(TestGateway gateway, String name) {
        String text = new String(gateway.gateway().metrics().scrape(), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
