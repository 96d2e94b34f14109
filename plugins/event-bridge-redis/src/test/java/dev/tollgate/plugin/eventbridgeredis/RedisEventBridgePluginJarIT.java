package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged plugin jar, Redisson and Netty shaded in, dropped into a gateway's plugins.d and
 * loaded in its own class loader as in production, bridges the gateway's events through the
 * shared Redis.
 */
class RedisEventBridgePluginJarIT {

    @Test
    void thePluginJarLoadsAndBridgesEvents() throws Exception {
        Path jar = Path.of(System.getProperty("plugin.jar", "target/gateway-plugin-event-bridge-redis-1.1.0.jar"));
        assertThat(jar).as("the packaged plugin jar (run through mvn verify)").exists();
        Path home = Files.createTempDirectory("tollgate-plugin-jar");
        Files.createDirectories(home.resolve("plugins.d"));
        Files.copy(jar, home.resolve("plugins.d").resolve(jar.getFileName()));
        String prefix = BridgeInstance.uniquePrefix();
        try (RawRedis redis = RawRedis.shared();
                TestGateway gateway = TestGateway.builder().home(home).config("""
                        plugins { event-bridge-redis { required = true } }
                        redis { default { address = "redis://127.0.0.1:6379" } }
                        events {
                          bridge = redis
                          redis { channel-prefix = "%s", key-prefix = "%s" }
                        }
                        """.formatted(prefix, prefix)).start()) {
            EventBus bus = gateway.gateway().eventBus();
            assertThat(bus).isInstanceOf(EventBridge.class);
            assertThat(bus.getClass().getClassLoader()).as("loaded from the jar").isNotSameAs(RedisEventBridgePlugin.class.getClassLoader());
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest health = HttpRequest.newBuilder(gateway.http("/health")).timeout(Duration.ofSeconds(10)).build();
            await().atMost(Duration.ofSeconds(30)).until(() -> client.send(health, HttpResponse.BodyHandlers.ofString()).body()
                    .contains("\"events\":{\"status\":\"UP\""));

            ReceivedEvents received = new ReceivedEvents();
            bus.subscribe("orders", received);
            await().atMost(Duration.ofSeconds(30)).until(() -> redis.subscribers(prefix + "orders") == 1);
            redis.publish(prefix + "orders", "from a backend");
            bus.publish("orders", ByteBuffer.wrap("from the gateway".getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join();
            assertThat(received.awaitText("from the gateway")).containsExactly("from a backend", "from the gateway");
        }
        finally {
            TestGateway.delete(home);
        }
    }
}
