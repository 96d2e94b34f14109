package dev.tollgate.plugin.example;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every factory creates from its defaults with a testing context and closes cleanly. */
class ExamplePluginContractTest {
    private final ClassLoader loader = ExamplePlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(ExamplePlugin.class);
    }

    @Test
    void createsEveryComponentFromDefaultsAndCloses() throws Exception {
        ExamplePlugin plugin = new ExamplePlugin();
        try (TestingPluginContext context = new TestingPluginContext("example")) {
            for (FilterFactory factory : plugin.filterFactories()) {
                PluginConfig config = TestingPluginContext.componentConfig(loader, "filters." + factory.name(), factory.name(), "");
                try (Filter filter = factory.create(config, context)) {
                    assertThat(filter.order()).isEqualTo(Filter.Order.TRANSFORM);
                }
            }
            for (EndpointFactory factory : plugin.endpointFactories()) {
                PluginConfig config = TestingPluginContext.componentConfig(loader, "endpoints." + factory.name(), factory.name(), "");
                try (Endpoint endpoint = factory.create(config, context)) {
                    assertThat(endpoint).isNotNull();
                }
            }
        }
        assertThat(StreamSupport.stream(plugin.filterFactories().spliterator(), false).map(FilterFactory::name))
                .containsExactly("response-headers");
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        PluginConfig echo = TestingPluginContext.componentConfig(loader, "endpoints.echo", "echo", "");
        assertThat(echo.getBoolean("include-headers")).isTrue();
        assertThat(echo.getBytes("max-body-size")).isEqualTo(64 * 1024);
        PluginConfig headers = TestingPluginContext.componentConfig(loader, "filters.response-headers", "response-headers", "");
        assertThat(headers.getStringMap("set")).isEmpty();
        assertThat(headers.getStringList("remove")).isEmpty();
    }

    @Test
    void refusesUnknownKeysAndBadValuesNamingThePath() {
        assertThatThrownBy(() -> TestingPluginContext.componentConfig(loader, "filters.response-headers", "response-headers",
                "sett { X-A = 1 }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.response-headers.sett")
                .hasMessageContaining("did you mean 'set'");
        try (TestingPluginContext context = new TestingPluginContext("example")) {
            PluginConfig notBoolean = TestingPluginContext.componentConfig(loader, "endpoints.echo", "echo", "include-headers = maybe");
            assertThatThrownBy(() -> new EchoEndpoint.Factory().create(notBoolean, context))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("test.endpoints.echo.include-headers")
                    .hasMessageContaining("must be true or false");
            PluginConfig badName = TestingPluginContext.componentConfig(loader, "filters.response-headers", "response-headers",
                    "set { \"X A\" = 1 }");
            assertThatThrownBy(() -> new ResponseHeadersFilter.Factory().create(badName, context))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("'X A' is not a valid header name");
        }
    }
}
