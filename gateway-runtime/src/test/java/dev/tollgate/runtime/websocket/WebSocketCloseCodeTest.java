package dev.tollgate.runtime.websocket;

import dev.tollgate.runtime.testing.RawWebSocket;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A close code the gateway sends reaches a client that is still sending and reads slowly. Jetty
 * closes the connection as soon as a close frame with a code other than 1000 or 3000–4999 is
 * written (1008 here); the close frame may still wait in the kernel behind what the client has not
 * read, and the client's bytes arrive meanwhile. The listener's lingering close keeps reading them
 * until the client closes, so that the kernel does not reset the connection and drop the close.
 */
class WebSocketCloseCodeTest {
    /** The client's pongs sent between two frames read. */
    private static final int PONGS_PER_READ = 16;

    private static final String ROUTES = """
            routes = [ { path = "/ws", endpoint = test-ws-echo } ]
            """;

    @Test
    void aPolicyCloseReachesAClientThatKeepsSendingWhileItReadsSlowly() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES);
             RawWebSocket client = RawWebSocket.connect(gateway.ws("/ws"), 16 * 1024)) {
            assertThat(client.readFrame().text()).startsWith("hello");
            // 800 KB queued ahead of the close: most of it waits for the client's small window.
            client.sendText("burst:100:8192");
            client.sendText("close:1008");
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicLong pongsSent = new AtomicLong();
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                try {
                    while (sending.get()) {
                        client.send(RawWebSocket.PONG, new byte[64]);
                        pongsSent.incrementAndGet();
                    }
                }
                catch (IOException e) {
                    // The gateway closed the connection: the reader tells whether the close came first.
                }
            });
            try {
                int messages = 0;
                RawWebSocket.Frame frame;
                try {
                    while ((frame = client.readFrame()) != null && frame.opcode() == RawWebSocket.TEXT) {
                        assertThat(frame.text()).startsWith("m" + messages + ".");
                        messages++;
                        // A slow reader, paced by its own sending: each frame is read only after
                        // more of the client's bytes went out, so that they keep arriving while the
                        // close frame waits behind what the client has not read yet.
                        long target = pongsSent.get() + PONGS_PER_READ;
                        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                                .until(() -> pongsSent.get() >= target || flood.isDone());
                    }
                }
                catch (IOException e) {
                    throw new AssertionError("the connection was cut after " + messages + " messages, before the close frame", e);
                }
                assertThat(messages).as("messages before the close").isEqualTo(100);
                assertThat(frame).as("a close frame, not a reset").isNotNull();
                assertThat(frame.opcode()).isEqualTo(RawWebSocket.CLOSE);
                assertThat(frame.closeCode()).isEqualTo(1008);
            }
            finally {
                sending.set(false);
                flood.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
