package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.plugin.websockethub.WebSocketHubPlugin;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The WebSocket hub on two gateway instances sharing this bridge: clients connected to one
 * instance receive what is published on the other, recover from history through either, and see
 * each other's presence.
 */
class HubAcrossInstancesTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern OFFSET = Pattern.compile("\"offset\":\"(\\d+-\\d+)\"");

    private final String prefix = BridgeInstance.uniquePrefix();
    private RawRedis redis;
    private TestGateway first;
    private TestGateway second;

    @BeforeEach
    void start() throws Exception {
        redis = RawRedis.shared();
        String config = """
                plugins.websocket-hub {
                  channels = [ { channels = "room:*", presence = true } ]
                  permissions = [ { channels = "*", subscribe = true, publish = true, presence = true, anonymous = true } ]
                }
                events {
                  bridge = redis
                  redis {
                    channel-prefix = "%s"
                    key-prefix = "%s"
                    history-idle-expiry = 1m
                    history = [ { channels = "sim:*", size = 100, ttl = 5m } ]
                  }
                }
                routes = [ { path = "/ws", endpoint = hub } ]
                """.formatted(prefix, prefix);
        first = gateway(config);
        second = gateway(config);
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        redis.close();
    }

    @Test
    void clientsOnEitherInstanceShareChannelsHistoryAndPresence() {
        Client onFirst = Client.connect(first);
        onFirst.send("{\"type\":\"subscribe\",\"id\":1,\"channel\":\"sim:1\"}");
        onFirst.awaitFrame("\"type\":\"subscribed\"", "\"channel\":\"sim:1\"");
        await("the hub's subscription reaches Redis").atMost(Duration.ofSeconds(30))
                .until(() -> redis.subscribers(prefix + "sim:1") == 1);

        // A backend publishes through the other instance's bus; a client of the other instance publishes.
        second.gateway().eventBus().publish("sim:1", ByteBuffer.wrap("{\"n\":1}".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().join();
        Client onSecond = Client.connect(second);
        onSecond.send("{\"type\":\"publish\",\"id\":\"p\",\"channel\":\"sim:1\",\"data\":{\"n\":2}}");
        onSecond.awaitFrame("\"type\":\"published\"");

        String first1 = onFirst.awaitFrame("{\"n\":1}");
        String first2 = onFirst.awaitFrame("{\"n\":2}");
        assertThat(first1).contains("\"type\":\"message\"", "\"channel\":\"sim:1\"");

        // A client that saw event 1 recovers event 2 from the other instance.
        String offset = offsetOf(first1);
        Client recovering = Client.connect(second);
        recovering.send("{\"type\":\"subscribe\",\"id\":2,\"channel\":\"sim:1\",\"since\":\"" + offset + "\"}");
        assertThat(recovering.awaitFrame("\"type\":\"subscribed\"", "\"channel\":\"sim:1\"")).contains("\"recovered\":true");
        assertThat(offsetOf(recovering.awaitFrame("{\"n\":2}"))).isEqualTo(offsetOf(first2));

        // Once a backend's marker arrived, every duplicate would have: each event came once.
        await("both instances subscribed in Redis").atMost(Duration.ofSeconds(30))
                .until(() -> redis.subscribers(prefix + "sim:1") == 2);
        redis.publish(prefix + "sim:1", "{\"marker\":true}");
        onFirst.awaitFrame("{\"marker\":true}");
        recovering.awaitFrame("{\"marker\":true}");
        assertThat(onFirst.count("\"type\":\"message\"")).isEqualTo(3);
        assertThat(recovering.count("\"type\":\"message\"")).isEqualTo(2);

        // Presence: a member joined on the first instance is seen from the second.
        onFirst.send("{\"type\":\"subscribe\",\"id\":3,\"channel\":\"room:1\"}");
        onFirst.awaitFrame("\"type\":\"subscribed\"", "\"channel\":\"room:1\"");
        await("presence across instances").atMost(Duration.ofSeconds(30)).until(() -> {
            onSecond.send("{\"type\":\"presence\",\"id\":4,\"channel\":\"room:1\"}");
            return onSecond.received().stream().anyMatch(text -> text.contains("\"type\":\"presence\"") && text.contains("\"members\":[{"));
        });

        onFirst.close();
        onSecond.close();
        recovering.close();
    }

    private static String offsetOf(String message) {
        Matcher matcher = OFFSET.matcher(message);
        assertThat(matcher.find()).as("offset in " + message).isTrue();
        return matcher.group(1);
    }

    private static TestGateway gateway(String config) throws Exception {
        return TestGateway.builder()
                .plugin("event-bridge-redis", new RedisEventBridgePlugin())
                .plugin("websocket-hub", new WebSocketHubPlugin())
                .config(config)
                .start();
    }

    /** A WebSocket client that keeps every text frame it receives. */
    private static final class Client implements WebSocket.Listener, AutoCloseable {
        private final List<String> received = new CopyOnWriteArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Client connect(TestGateway gateway) {
            Client client = new Client();
            URI uri = gateway.ws("/ws");
            client.socket = HTTP.newWebSocketBuilder().buildAsync(uri, client).orTimeout(10, TimeUnit.SECONDS).join();
            return client;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        List<String> received() {
            return List.copyOf(received);
        }

        /** Waits for a frame containing every one of {@code parts} and returns it. */
        String awaitFrame(String... parts) {
            org.awaitility.Awaitility.await("a frame with " + List.of(parts)).atMost(Duration.ofSeconds(30))
                    .until(() -> received.stream().anyMatch(frame -> containsAll(frame, parts)));
            return received.stream().filter(frame -> containsAll(frame, parts)).findFirst().orElseThrow();
        }

        private static boolean containsAll(String frame, String... parts) {
            for (String part : parts) {
                if (!frame.contains(part)) {
                    return false;
                }
            }
            return true;
        }

        long count(String text) {
            return received.stream().filter(frame -> frame.contains(text)).count();
        }

        @Override
        public void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
        }
    }
}
