package dev.tollgate.plugin.backendhttp;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.testing.TestingPluginContext;
import dev.tollgate.runtime.upstream.UpstreamSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The factory creates backends from the reference defaults with a testing context, serves routes, and closes cleanly. */
class HttpBackendContractTest {
    private final ClassLoader loader = HttpBackendPlugin.class.getClassLoader();

    private TestingPluginContext context(String pluginSettings) {
        PluginConfig settings = TestingPluginContext.componentConfig(loader, "plugins.backend-http", "backend-http", pluginSettings);
        return new TestingPluginContext("backend-http", settings, new InMemoryEventBus());
    }

    private BackendFactory factory(Plugin plugin) {
        List<BackendFactory> factories = StreamSupport.stream(plugin.backendFactories().spliterator(), false).toList();
        assertThat(factories).extracting(BackendFactory::name).containsExactly("http");
        return factories.get(0);
    }

    @Test
    void registeredWithServiceLoader() {
        List<Plugin> plugins = ServiceLoader.load(Plugin.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(plugins).hasAtLeastOneElementOfType(HttpBackendPlugin.class);
    }

    @Test
    void createsFromDefaultsServesRoutesAndCloses() throws Exception {
        BackendFactory factory = factory(new HttpBackendPlugin());
        try (TestingPluginContext context = context("")
                .withService("orders", "", "http://127.0.0.1:9")
                .withService("users", "", "https://127.0.0.1:9", "h2c://127.0.0.1:10")) {
            PluginConfig orders = TestingPluginContext.componentConfig(loader, "backends.http.service", "orders", "");
            PluginConfig users = TestingPluginContext.componentConfig(loader, "backends.http.service", "users", "protocol = h2");
            PluginConfig route = TestingPluginContext.componentConfig(loader, "backends.http.route", "orders", "strip-prefix = \"/api\"");
            try (Backend first = factory.create(orders, context); Backend second = factory.create(users, context)) {
                ExchangeHandler handler = first.forRoute(route);
                assertThat(handler).isNotNull();
                assertThat(second.forRoute(TestingPluginContext.componentConfig(loader, "backends.http.route", "users", ""))).isNotNull();
            }
            // The shared client threads stopped with the last backend and start again with the next.
            try (Backend again = factory.create(orders, context)) {
                assertThat(again.forRoute(route)).isNotNull();
            }
        }
    }

    @Test
    void refusesANegativeThreadCountAndLeavesTheTlsPasswordsToTheRuntime() {
        BackendFactory factory = factory(new HttpBackendPlugin());
        try (TestingPluginContext context = context("threads = -1").withService("orders", "", "http://127.0.0.1:9")) {
            PluginConfig orders = TestingPluginContext.componentConfig(loader, "backends.http.service", "orders", "");
            assertThatThrownBy(() -> factory.create(orders, context)).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("threads").hasMessageContaining("must be 0");
        }
        // The service's TLS block (and its passwords) is a runtime-owned key now: the backend's block holds no secret.
        assertThat(factory.sensitiveKeys()).isEmpty();
        assertThat(UpstreamSettings.SENSITIVE_KEYS).containsExactlyInAnyOrder("tls.trust-store.password", "tls.key-store.password",
                "tls.key-store.key-password");
    }
}
