package dev.tollgate.plugin.authjwt;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The plugin is found by ServiceLoader, and its filter creates from a minimal configuration and closes. */
class JwtPluginContractTest {
    private final ClassLoader loader = JwtPlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(JwtPlugin.class);
    }

    @Test
    void createsFromAMinimalConfigurationAndCloses() throws Exception {
        JwtPlugin plugin = new JwtPlugin();
        assertThat(StreamSupport.stream(plugin.filterFactories().spliterator(), false).map(FilterFactory::name)).containsExactly("jwt");
        assertThat(plugin.backendFactories()).isEmpty();
        assertThat(plugin.endpointFactories()).isEmpty();
        try (TestingPluginContext context = new TestingPluginContext("auth-jwt")) {
            for (FilterFactory factory : plugin.filterFactories()) {
                assertThat(factory.sensitiveKeys()).containsExactly("keys");
                PluginConfig config = TestingPluginContext.componentConfig(loader, "filters." + factory.name(), factory.name(), """
                        issuer = "https://id.example.com", audiences = [tollgate]
                        keys = [ { kid = k1, algorithm = HS256, secret = "%s" } ]
                        """.formatted(TestKeys.HMAC_SECRET));
                try (Filter filter = factory.create(config, context)) {
                    assertThat(filter.order()).isEqualTo(Filter.Order.AUTHENTICATION);
                }
                assertThat(context.sharedResourceCount()).as("static keys need no key server").isZero();
                assertThat(context.health()).isEmpty();
            }
        }
    }

    @Test
    void aKeyServerIsASharedResourceWithAHealthIndicator() throws Exception {
        FilterFactory factory = new JwtFilter.Factory();
        // Nothing listens on port 9 of loopback: the key set reports DOWN, and closing does not wait for it.
        String hocon = """
                issuer = "https://id.example.com"
                jwks-url = "http://127.0.0.1:9/jwks.json", jwks-timeout = 1s
                """;
        try (TestingPluginContext context = new TestingPluginContext("auth-jwt")) {
            Filter first = factory.create(TestingPluginContext.componentConfig(loader, "filters.jwt", "a", hocon), context);
            Filter second = factory.create(TestingPluginContext.componentConfig(loader, "filters.jwt", "b", hocon), context);
            assertThat(context.sharedResourceCount()).as("equal settings share one key set").isEqualTo(1);
            assertThat(context.health()).containsOnlyKeys("test.filters.jwt.key-set");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(context.health().get("test.filters.jwt.key-set").check().status()).isEqualTo(Health.Status.DOWN));
            assertThat(context.health().get("test.filters.jwt.key-set").critical()).isFalse();
            first.close();
            second.close();
        }
    }
}
