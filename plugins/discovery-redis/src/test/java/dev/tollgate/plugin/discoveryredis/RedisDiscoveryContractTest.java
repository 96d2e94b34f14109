package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.upstream.Discovery;
import dev.tollgate.api.upstream.DiscoveryFactory;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The plugin is found by ServiceLoader; its factory creates from the defaults with a testing context and closes. */
class RedisDiscoveryContractTest {
    private final ClassLoader loader = RedisDiscoveryPlugin.class.getClassLoader();

    @BeforeAll
    static void redisRuns() {
        SharedRedis.requireRunning();
    }

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(RedisDiscoveryPlugin.class);
        assertThat(StreamSupport.stream(new RedisDiscoveryPlugin().discoveryFactories().spliterator(), false).map(DiscoveryFactory::name))
                .containsExactly("redis");
        assertThat(new RedisDiscoveryPlugin().filterFactories()).isEmpty();
    }

    @Test
    void createsFromDefaultsReportsHealthAndCloses() {
        try (TestingPluginContext context = new TestingPluginContext("discovery-redis")) {
            for (DiscoveryFactory factory : new RedisDiscoveryPlugin().discoveryFactories()) {
                assertThat(factory.sensitiveKeys()).containsExactly("password");
                PluginConfig config = TestingPluginContext.componentConfig(loader, "discovery." + factory.name(), factory.name(), "");
                Discovery discovery = factory.create(config, context);
                try {
                    assertThat(discovery).isInstanceOf(RedisDiscovery.class);
                    // The defaults point at 127.0.0.1:6379, where the shared test Redis runs.
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.health().get("discovery").check().status() == Health.Status.UP);
                }
                finally {
                    discovery.close();
                }
                discovery.close();
            }
        }
    }
}
