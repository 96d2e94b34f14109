package dev.tollgate.plugin.authapikey;

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

/** The plugin is found by ServiceLoader, and its filter creates from the defaults and closes. */
class ApiKeyPluginContractTest {
    private final ClassLoader loader = ApiKeyPlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(ApiKeyPlugin.class);
    }

    @Test
    void createsFromDefaultsAndCloses() throws Exception {
        ApiKeyPlugin plugin = new ApiKeyPlugin();
        assertThat(StreamSupport.stream(plugin.filterFactories().spliterator(), false).map(FilterFactory::name)).containsExactly("api-key");
        assertThat(plugin.backendFactories()).isEmpty();
        assertThat(plugin.endpointFactories()).isEmpty();
        try (TestingPluginContext context = new TestingPluginContext("auth-api-key")) {
            for (FilterFactory factory : plugin.filterFactories()) {
                assertThat(factory.sensitiveKeys()).containsExactly("keys");
                PluginConfig config = TestingPluginContext.componentConfig(loader, "filters." + factory.name(), factory.name(), "");
                try (Filter filter = factory.create(config, context)) {
                    assertThat(filter.order()).isEqualTo(Filter.Order.AUTHENTICATION);
                }
            }
        }
    }
}
