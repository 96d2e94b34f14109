package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventBridgeFactory;
import dev.tollgate.api.health.Health;
import dev.tollgate.plugin.eventbridgeredis.internal.RedisEventBridge;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletionException;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The factory creates the bridge from its defaults with a testing context, and it closes cleanly. */
class RedisEventBridgeContractTest {
    private final ClassLoader loader = RedisEventBridgePlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(RedisEventBridgePlugin.class);
        RedisEventBridgePlugin plugin = new RedisEventBridgePlugin();
        assertThat(StreamSupport.stream(plugin.eventBridgeFactories().spliterator(), false).map(EventBridgeFactory::name))
                .containsExactly("redis");
        assertThat(plugin.filterFactories()).isEmpty();
        assertThat(new RedisEventBridgeFactory().sensitiveKeys()).containsExactlyInAnyOrder("password", "sentinel-password");
    }

    @Test
    void createsFromDefaultsConnectsToTheSharedRedisAndCloses() {
        try (RawRedis ignored = RawRedis.shared(); TestingPluginContext context = new TestingPluginContext("event-bridge-redis")) {
            EventBridge bridge = new RedisEventBridgeFactory().create(BridgeInstance.config(""), context);
            try {
                await("connected").atMost(Duration.ofSeconds(30)).until(() -> bridge.health().check().status() == Health.Status.UP);
                assertThat(bridge.health().check().details())
                        .containsEntry("bridge", "redis")
                        .containsEntry("mode", "single")
                        .containsEntry("redis", "redis://127.0.0.1:6379");
            }
            finally {
                bridge.close();
            }
            bridge.close();
            assertThat(bridge.health().check().status()).isEqualTo(Health.Status.DOWN);
            assertThatThrownBy(() -> bridge.publish("after-close", ByteBuffer.allocate(0)).toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class)
                    .cause().isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
            assertThatThrownBy(() -> bridge.subscribe("after-close", event -> { }))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void saysAtStartWhereBackendsPublishAndWarnsWhenTheChannelPrefixIsEmpty() {
        try (CapturedLogs logs = new CapturedLogs(RedisEventBridge.class); BridgeInstance ignored = BridgeInstance.create("")) {
            assertThat(logs.infos()).anySatisfy(line -> assertThat(line)
                    .contains("channel-prefix 'tollgate:events:'", "backends PUBLISH to tollgate:events:<channel>"));
            assertThat(logs.warnings()).isEmpty();
        }
        try (CapturedLogs logs = new CapturedLogs(RedisEventBridge.class); BridgeInstance ignored = BridgeInstance.create("channel-prefix = \"\"")) {
            assertThat(logs.warnings()).singleElement().asString()
                    .contains("channel-prefix is empty", "every Redis channel", "tollgate:services:");
        }
    }
}
