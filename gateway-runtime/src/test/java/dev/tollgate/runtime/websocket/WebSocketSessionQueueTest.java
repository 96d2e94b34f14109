package dev.tollgate.runtime.websocket;

import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestPlugin;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A session's outgoing queue through a real connection: messages sent back to back go out whole
 * and in order (in turns, each handed to Jetty as one gathered write), an idle session holds no
 * queue, and the session's exchange keeps the upgraded request without Jetty's.
 */
class WebSocketSessionQueueTest {
    private static final String ROUTES = """
            routes = [ { path = "/ws", endpoint = test-ws-echo, filters = [ { type = test-tag, value = t1 } ] } ]
            """;

    @Test
    void messagesSentBackToBackArriveWholeAndInOrder() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES)) {
            String key = UUID.randomUUID().toString();
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocket socket = connect(gateway, key, received);
            assertThat(received.poll(5, TimeUnit.SECONDS)).startsWith("hello");
            for (int round = 0; round < 3; round++) {
                socket.sendText("burst:900", true).get(5, TimeUnit.SECONDS);
                List<String> burst = new ArrayList<>();
                for (int i = 0; i < 900; i++) {
                    String message = received.poll(5, TimeUnit.SECONDS);
                    assertThat(message).as("message %d of round %d", i, round).isNotNull();
                    burst.add(message);
                }
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 900; i++) {
                    expected.add("m" + i);
                }
                assertThat(burst).isEqualTo(expected);
            }
            GatewaySession session = (GatewaySession) TestPlugin.webSocketSession(key);
            // The last write's completion may follow the client's read by a moment: await it.
            awaitIdle(session);
            assertThat(session.queuedMessages()).isZero();
            assertThat(session.queuedBytes()).isZero();
            assertThat(session.holdsQueue()).isFalse();
            socket.sendText("ping", true).get(5, TimeUnit.SECONDS);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:ping");
            socket.sendText("close:1000", true);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("closed:1000");
        }
    }

    @Test
    void anIdleSessionHoldsNoQueue() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES)) {
            String key = UUID.randomUUID().toString();
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocket socket = connect(gateway, key, received);
            assertThat(received.poll(5, TimeUnit.SECONDS)).startsWith("hello");
            GatewaySession session = (GatewaySession) TestPlugin.webSocketSession(key);
            awaitIdle(session);
            assertThat(session.holdsQueue()).isFalse();
            socket.sendText("close:1000", true);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("closed:1000");
        }
    }

    @Test
    void theSessionsExchangeKeepsTheUpgradedRequest() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES)) {
            String key = UUID.randomUUID().toString();
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .header(TestPlugin.WEB_SOCKET_KEY, key)
                    .buildAsync(gateway.ws("/ws?a=1"), listener(received)).get(5, TimeUnit.SECONDS);
            assertThat(received.poll(5, TimeUnit.SECONDS)).startsWith("hello");
            socket.sendText("exchange", true).get(5, TimeUnit.SECONDS);
            assertThat(received.poll(5, TimeUnit.SECONDS)).matches("GET /ws\\?a=1 route=\\S+ tag=t1 client=127.0.0.1 remote=true");
            // Its HTTP exchange is over: a completion listener is told at once.
            CompletableFuture<Throwable> completed = new CompletableFuture<>();
            TestPlugin.webSocketSession(key).exchange().onComplete(completed::complete);
            assertThat(completed).isCompletedWithValue(null);
            socket.sendText("close:1000", true);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("closed:1000");
        }
    }

    private static void awaitIdle(GatewaySession session) {
        await().atMost(Duration.ofSeconds(5)).until(() -> !session.holdsQueue() && session.queuedMessages() == 0);
    }

    private static WebSocket connect(TestGateway gateway, String key, LinkedBlockingQueue<String> received) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder()
                .header(TestPlugin.WEB_SOCKET_KEY, key)
                .buildAsync(gateway.ws("/ws"), listener(received)).get(5, TimeUnit.SECONDS);
    }

    private static WebSocket.Listener listener(LinkedBlockingQueue<String> received) {
        return new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                received.add(data.toString());
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                received.add("closed:" + statusCode);
                return null;
            }
        };
    }
}
