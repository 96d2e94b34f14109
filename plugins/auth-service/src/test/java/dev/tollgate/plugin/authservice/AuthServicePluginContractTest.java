package dev.tollgate.plugin.authservice;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plugin is found by ServiceLoader; its filter creates from the defaults (with the one
 * required key, {@code service}) and its backend from an empty block, and both close cleanly,
 * releasing the shared channels.
 */
class AuthServicePluginContractTest {
    private final ClassLoader loader = AuthServicePlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(AuthServicePlugin.class);
    }

    @Test
    void createsFromDefaultsAndCloses() throws Exception {
        AuthServicePlugin plugin = new AuthServicePlugin();
        assertThat(StreamSupport.stream(plugin.filterFactories().spliterator(), false).map(FilterFactory::name)).containsExactly("auth-service");
        assertThat(StreamSupport.stream(plugin.backendFactories().spliterator(), false).map(BackendFactory::name)).containsExactly("auth-service");
        assertThat(plugin.endpointFactories()).isEmpty();
        try (TestingPluginContext context = new TestingPluginContext("auth-service").withService("auth", "", "grpc://127.0.0.1:1")) {
            for (FilterFactory factory : plugin.filterFactories()) {
                assertThat(factory.sensitiveKeys()).isEmpty();
                PluginConfig config = TestingPluginContext.componentConfig(loader, "filters." + factory.name(), factory.name(), "service = auth");
                try (Filter filter = factory.create(config, context)) {
                    assertThat(filter.order()).isEqualTo(Filter.Order.AUTHENTICATION);
                    assertThat(context.sharedResourceCount()).as("the service's channels").isEqualTo(1);
                }
            }
            for (BackendFactory factory : plugin.backendFactories()) {
                PluginConfig config = TestingPluginContext.componentConfig(loader, "backends." + factory.name() + ".service", "auth", "");
                try (Backend backend = factory.create(config, context)) {
                    assertThat(backend).isNotNull();
                }
            }
        }
    }
}
