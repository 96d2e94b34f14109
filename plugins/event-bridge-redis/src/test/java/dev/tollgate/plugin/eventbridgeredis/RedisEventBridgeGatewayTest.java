package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The bridge inside a running gateway, selected by {@code gateway.events.bridge = redis}, over real sockets. */
class RedisEventBridgeGatewayTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String prefix = BridgeInstance.uniquePrefix();

    @Test
    void theGatewayStartsWithTheRedisBridgeAndHealthReportsIt() throws Exception {
        try (RawRedis redis = RawRedis.shared();
                TestGateway gateway = TestGateway.builder()
                        .plugin("event-bridge-redis", new RedisEventBridgePlugin())
                        .config("""
                                redis { default { address = "redis://127.0.0.1:6379" } }
                                events {
                                  bridge = redis
                                  redis { channel-prefix = "%s", key-prefix = "%s" }
                                }
                                """.formatted(prefix, prefix))
                        .start()) {
            await("/health shows the bridge connected").atMost(Duration.ofSeconds(30))
                    .until(() -> get(gateway.http("/health")).body().contains("\"events\":{\"status\":\"UP\""));
            HttpResponse<String> health = get(gateway.http("/health"));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"bridge\":\"redis\"", "\"mode\":\"single\"", "\"redis\":\"redis://127.0.0.1:6379\"");

            // The gateway's bus is the bridge: a backend's PUBLISH reaches its subscribers.
            EventBus bus = gateway.gateway().eventBus();
            assertThat(bus).isInstanceOf(EventBridge.class);
            ReceivedEvents received = new ReceivedEvents();
            bus.subscribe("orders", received);
            await("subscribed in Redis").atMost(Duration.ofSeconds(30)).until(() -> redis.subscribers(prefix + "orders") == 1);
            redis.publish(prefix + "orders", "{\"id\":1}");
            bus.publish("orders", ByteBuffer.wrap("{\"id\":2}".getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join();
            assertThat(received.awaitText("{\"id\":2}")).containsExactly("{\"id\":1}", "{\"id\":2}");

            String metrics = get(gateway.http("/metrics")).body();
            assertThat(metrics).contains("tollgate_event_bridge_redis_published", "tollgate_event_bridge_redis_received",
                    "tollgate_event_bridge_redis_outage_seconds", "tollgate_event_bridge_redis_reconnects");
        }
    }

    @Test
    void aGatewayWhoseRedisIsLostStaysReadyAndReportsTheOutage() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.onFreePort().start();
                TestGateway gateway = TestGateway.builder()
                        .plugin("event-bridge-redis", new RedisEventBridgePlugin())
                        .config("""
                                events {
                                  bridge = redis
                                  redis { probe-interval = 200ms }
                                }
                                redis { default { address = "%s", timeout = 1s, reconnect.max-delay = 500ms } }
                                """.formatted(server.address()))
                        .start()) {
            await("connected").atMost(Duration.ofSeconds(30))
                    .until(() -> get(gateway.http("/health")).body().contains("\"events\":{\"status\":\"UP\""));

            server.kill();

            await("/health reports the outage").atMost(Duration.ofSeconds(30))
                    .until(() -> get(gateway.http("/health")).body().contains("\"events\":{\"status\":\"DEGRADED\""));
            HttpResponse<String> health = get(gateway.http("/health"));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"DEGRADED\"", "\"ready\":true", "\"outage-seconds\":", "Redis unreachable for");
            assertThat(get(gateway.http("/health/ready")).statusCode()).isEqualTo(200);

            server.start();

            await("/health shows Redis back").atMost(Duration.ofSeconds(30))
                    .until(() -> get(gateway.http("/health")).body().contains("\"events\":{\"status\":\"UP\""));
        }
    }

    @Test
    void aMisspelledBridgeSettingStopsStartupNamingTheKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("event-bridge-redis", new RedisEventBridgePlugin())
                .config("events { bridge = redis, redis { chanel-prefix = \"app1:\" } }")
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.events.redis.chanel-prefix")
                .hasMessageContaining("did you mean 'channel-prefix'");
    }

    @Test
    void aConnectionNamedAndWrittenInlineAtOnceStopsStartUp() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("event-bridge-redis", new RedisEventBridgePlugin())
                .config("""
                        redis { default { address = "redis://127.0.0.1:6379" } }
                        events { bridge = redis, redis { redis = default, address = "redis://127.0.0.1:6379", reconnect.max-delay = 1s } }
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.events.redis.redis: names a gateway.redis connection, so the connection keys address, "
                        + "reconnect.max-delay must not be written here as well: set them in gateway.redis.default");
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
