package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.plugin.websockethub.WebSocketHubPlugin;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hub over the Redis bridge answers {@code subscribed} only once the Redis subscription is
 * active: when the bridge has no room left for another channel, the client gets the hub's
 * {@code UNAVAILABLE} error for its request instead of a subscription that would receive nothing.
 */
class HubSubscriptionCapacityTest {

    @Test
    void aSubscriptionTheBridgeHasNoRoomForIsRefusedToTheClient() throws Exception {
        String prefix = BridgeInstance.uniquePrefix();
        try (TestGateway gateway = TestGateway.builder()
                .plugin("event-bridge-redis", new RedisEventBridgePlugin())
                .plugin("websocket-hub", new WebSocketHubPlugin())
                .config("""
                        plugins.websocket-hub.permissions = [ { channels = "*", subscribe = true, anonymous = true } ]
                        events {
                          bridge = redis
                          redis { channel-prefix = "%s", key-prefix = "%s", subscription-connections = 1, subscriptions-per-connection = 2 }
                        }
                        routes = [ { path = "/ws", endpoint = hub } ]
                        """.formatted(prefix, prefix))
                .start()) {
            List<String> received = new CopyOnWriteArrayList<>();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(gateway.ws("/ws"), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    received.add(data.toString());
                    webSocket.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            // The broadcast channel takes one of the two slots; "a" the other.
            await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().anyMatch(frame -> frame.contains("\"channel\":\"broadcast\"")));
            socket.sendText("{\"type\":\"subscribe\",\"id\":1,\"channel\":\"a\"}", true).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().anyMatch(frame -> frame.contains("\"type\":\"subscribed\"")
                    && frame.contains("\"channel\":\"a\"")));

            socket.sendText("{\"type\":\"subscribe\",\"id\":2,\"channel\":\"b\"}", true).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().anyMatch(frame -> frame.contains("\"type\":\"error\"")
                    && frame.contains("\"channel\":\"b\"")));
            String error = received.stream().filter(frame -> frame.contains("\"type\":\"error\"") && frame.contains("\"channel\":\"b\""))
                    .findFirst().orElseThrow();
            assertThat(error).contains("UNAVAILABLE").contains("\"id\":2");
            assertThat(received).noneMatch(frame -> frame.contains("\"type\":\"subscribed\"") && frame.contains("\"channel\":\"b\""));

            // Leaving "a" makes room (once Redis confirms the unsubscribe): "b" can be subscribed then.
            socket.sendText("{\"type\":\"unsubscribe\",\"id\":3,\"channel\":\"a\"}", true).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                socket.sendText("{\"type\":\"subscribe\",\"id\":4,\"channel\":\"b\"}", true).get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(5)).until(() -> received.stream().anyMatch(frame -> frame.contains("\"id\":4")));
                assertThat(received).anyMatch(frame -> frame.contains("\"type\":\"subscribed\"") && frame.contains("\"channel\":\"b\""));
            });
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
    }
}
