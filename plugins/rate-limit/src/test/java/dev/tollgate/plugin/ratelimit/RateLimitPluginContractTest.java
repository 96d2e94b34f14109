package dev.tollgate.plugin.ratelimit;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The plugin is found by ServiceLoader, and its filter creates (local and redis stores) and closes cleanly. */
class RateLimitPluginContractTest {
    private final ClassLoader loader = RateLimitPlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(RateLimitPlugin.class);
    }

    @Test
    void createsAndCloses() throws Exception {
        RateLimitPlugin plugin = new RateLimitPlugin();
        assertThat(StreamSupport.stream(plugin.filterFactories().spliterator(), false).map(FilterFactory::name))
                .containsExactly("rate-limit");
        assertThat(plugin.backendFactories()).isEmpty();
        assertThat(plugin.endpointFactories()).isEmpty();
        FilterFactory factory = plugin.filterFactories().iterator().next();
        assertThat(factory.sensitiveKeys()).isEmpty();
        TestingPluginContext context = new TestingPluginContext("rate-limit")
                .withRedis("default", "address = \"redis://127.0.0.1:6379\"");
        try (context) {
            for (String store : List.of("local", "redis")) {
                PluginConfig config = TestingPluginContext.componentConfig(loader, "filters.rate-limit", "rate-limit",
                        "store = " + store + ", policies = [ { name = per-ip, key = ip, limit = 10, window = 1s } ]");
                try (Filter filter = factory.create(config, context)) {
                    assertThat(filter.order()).isEqualTo(Filter.Order.RATE_LIMIT);
                }
                assertThat(context.sharedResourceCount()).as("a Redis client for the redis store only")
                        .isEqualTo(store.equals("redis") ? 1 : 0);
            }
        }
        assertThat(context.sharedResourceCount()).as("the Redis client is closed with the component").isZero();
    }
}
