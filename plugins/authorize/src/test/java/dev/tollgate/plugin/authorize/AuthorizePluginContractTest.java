package dev.tollgate.plugin.authorize;

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
class AuthorizePluginContractTest {
    private final ClassLoader loader = AuthorizePlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(AuthorizePlugin.class);
    }

    @Test
    void createsFromDefaultsAndCloses() throws Exception {
        AuthorizePlugin plugin = new AuthorizePlugin();
        assertThat(StreamSupport.stream(plugin.filterFactories().spliterator(), false).map(FilterFactory::name)).containsExactly("authorize");
        assertThat(plugin.backendFactories()).isEmpty();
        assertThat(plugin.endpointFactories()).isEmpty();
        try (TestingPluginContext context = new TestingPluginContext("authorize")) {
            for (FilterFactory factory : plugin.filterFactories()) {
                assertThat(factory.sensitiveKeys()).isEmpty();
                PluginConfig config = TestingPluginContext.componentConfig(loader, "filters." + factory.name(), factory.name(), "");
                try (Filter filter = factory.create(config, context)) {
                    assertThat(filter.order()).isEqualTo(Filter.Order.AUTHORIZATION);
                }
            }
        }
    }
}
