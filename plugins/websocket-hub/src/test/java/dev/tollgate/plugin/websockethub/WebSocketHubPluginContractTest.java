package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The plugin's one factory creates from its defaults with a testing context and closes cleanly. */
class WebSocketHubPluginContractTest {
    private static final ClassLoader LOADER = WebSocketHubPlugin.class.getClassLoader();

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, LOADER).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(WebSocketHubPlugin.class);
    }

    @Test
    void offersTheHubEndpointOnly() {
        WebSocketHubPlugin plugin = new WebSocketHubPlugin();
        assertThat(StreamSupport.stream(plugin.endpointFactories().spliterator(), false).map(EndpointFactory::name))
                .containsExactly("hub");
        assertThat(plugin.filterFactories()).isEmpty();
        assertThat(plugin.backendFactories()).isEmpty();
    }

    @Test
    void createsFromDefaultsSharesOneHubAndCloses() throws Exception {
        EndpointFactory factory = new WebSocketHubPlugin().endpointFactories().iterator().next();
        try (TestingPluginContext context = context()) {
            PluginConfig route = TestingPluginContext.componentConfig(LOADER, "endpoints.hub", "hub", "");
            try (Endpoint first = factory.create(route, context);
                 Endpoint second = factory.create(route, context)) {
                assertThat(first).isNotSameAs(second);
                assertThat(context.health()).containsOnlyKeys("hub");
                Health health = context.health().get("hub").check();
                assertThat(health.status()).isEqualTo(Health.Status.UP);
                assertThat(health.details()).containsEntry("connections", 0).containsEntry("maxConnections", 10000);
                assertThat(fanOutThreads()).as("one fan-out lane per processor, shared by the endpoints")
                        .hasSize(Runtime.getRuntime().availableProcessors());
                assertThat(context.sharedResourceCount()).as("one hub, shared by both endpoints").isEqualTo(1);
            }
        }
        // The hub is a shared resource: it closes when nothing holds it (here, with the context), which stops its lanes.
        await().atMost(Duration.ofSeconds(10)).until(() -> fanOutThreads().isEmpty());
    }

    /** The hub's fan-out threads alive now (other tests' gateways are closed by then). */
    private static List<Thread> fanOutThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("tollgate-hub-fan-out-") && thread.isAlive()).toList();
    }

    static TestingPluginContext context() {
        return new TestingPluginContext("websocket-hub",
                TestingPluginContext.componentConfig(LOADER, "plugins.websocket-hub", "websocket-hub", ""), new InMemoryEventBus());
    }
}
