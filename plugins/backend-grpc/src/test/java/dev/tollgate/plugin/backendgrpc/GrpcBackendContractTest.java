package dev.tollgate.plugin.backendgrpc;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The factory creates backends from the reference defaults with a testing context, refuses bad settings by name, and closes cleanly. */
class GrpcBackendContractTest {
    private final ClassLoader loader = GrpcBackendPlugin.class.getClassLoader();

    private TestingPluginContext context() {
        PluginConfig settings = TestingPluginContext.componentConfig(loader, "plugins.backend-grpc", "backend-grpc", "");
        return new TestingPluginContext("backend-grpc", settings, new InMemoryEventBus());
    }

    private static BackendFactory factory() {
        List<BackendFactory> factories = StreamSupport.stream(new GrpcBackendPlugin().backendFactories().spliterator(), false).toList();
        assertThat(factories).extracting(BackendFactory::name).containsExactly("grpc");
        return factories.get(0);
    }

    private PluginConfig service(String hocon) {
        return TestingPluginContext.componentConfig(loader, "backends.grpc.service", "projects", hocon);
    }

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(GrpcBackendPlugin.class);
    }

    @Test
    void createsFromDefaultsServesRoutesAndCloses() {
        try (TestingPluginContext context = context().withService("projects", "", "grpc://127.0.0.1:9", "grpcs://127.0.0.1:10")) {
            PluginConfig route = TestingPluginContext.componentConfig(loader, "backends.grpc.route", "projects",
                    "strip-prefix = \"/api\", deadline = 2s");
            try (Backend backend = factory().create(service("schema.descriptor-sets = [\"" + Gateways.DESCRIPTOR_SET + "\"]"), context)) {
                assertThat(backend.forRoute(route)).isNotNull();
                assertThat(context.sharedResourceCount()).isEqualTo(1);
            }
        }
    }

    @Test
    void aServiceWithoutSchemaSourceIsAStartUpErrorNamingIt() {
        try (TestingPluginContext context = context().withService("projects", "", "grpc://127.0.0.1:9")) {
            assertThatThrownBy(() -> factory().create(service(""), context)).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("projects").hasMessageContaining("schema.reflection").hasMessageContaining("descriptor-sets");
        }
    }

    @Test
    void refusesAMissingDescriptorSetAndBadPoolSizes() {
        try (TestingPluginContext context = context().withService("projects", "", "grpc://127.0.0.1:9")) {
            assertThatThrownBy(() -> factory().create(service("schema.descriptor-sets = [\"/nonexistent/x.pb\"]"), context))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("/nonexistent/x.pb");
            assertThatThrownBy(() -> factory().create(service("schema.reflection = true, channels { min = 5, max = 2 }"), context))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("channels.max");
            assertThatThrownBy(() -> factory().create(service("schema.reflection = true, metadata.request-headers = [grpc-timeout]"), context))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("reserved");
        }
    }

    @Test
    void theReferenceDefaults() {
        PluginConfig defaults = service("");
        assertThat(defaults.getBoolean("schema.reflection")).isFalse();
        assertThat(defaults.getStringList("schema.descriptor-sets")).isEmpty();
        assertThat(defaults.getInt("channels.min")).isEqualTo(1);
        assertThat(defaults.getInt("channels.max")).isEqualTo(8);
        assertThat(defaults.getDuration("deadline")).hasSeconds(30);
        assertThat(defaults.getDuration("stream-deadline")).isZero();
        assertThat(defaults.getStringList("metadata.request-headers")).isEmpty();
        PluginConfig route = TestingPluginContext.componentConfig(loader, "backends.grpc.route", "projects", "");
        assertThat(route.getString("strip-prefix")).isEmpty();
        assertThat(route.has("deadline")).isFalse();
        assertThat(route.getString("openapi-path")).isEmpty();
    }
}
