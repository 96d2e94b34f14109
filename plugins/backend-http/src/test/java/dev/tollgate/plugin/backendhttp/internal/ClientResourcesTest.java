package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Services share one client thread pool, a plugin-wide shared resource: closing one service leaves
 * it to the others; it stops when nothing holds it any more (in the gateway, when the last
 * service's component context is closed; here, the testing context).
 */
class ClientResourcesTest {
    private final ClassLoader loader = HttpBackendFactory.class.getClassLoader();

    @Test
    void theLastServiceStopsTheSharedThreads() {
        PluginConfig settings = TestingPluginContext.componentConfig(loader, "plugins.backend-http", "backend-http", "threads = 3");
        HttpBackendFactory factory = new HttpBackendFactory();
        try (TestingPluginContext context = new TestingPluginContext("backend-http", settings, new InMemoryEventBus())
                .withService("a", "", "http://127.0.0.1:9").withService("b", "", "http://127.0.0.1:9")) {
            HttpBackend first = (HttpBackend) factory.create(TestingPluginContext.componentConfig(loader, "backends.http.service", "a", ""), context);
            HttpBackend second = (HttpBackend) factory.create(TestingPluginContext.componentConfig(loader, "backends.http.service", "b", ""), context);
            QueuedThreadPool threads = (QueuedThreadPool) first.client().getExecutor();
            assertThat(second.client().getExecutor()).isSameAs(threads);
            assertThat(threads.getMaxThreads()).as("3 workers and two selectors per service (Jetty's client, the own HTTP/1.1 connections)")
                    .isEqualTo(7);

            first.close();
            assertThat(threads.isRunning()).isTrue();
            assertThat(second.client().isRunning()).isTrue();
            assertThat(threads.getMaxThreads()).isEqualTo(5);

            second.close();
            assertThat(context.sharedResourceCount()).isEqualTo(1);
            context.close();
            assertThat(context.sharedResourceCount()).isZero();
            assertThat(threads.isRunning()).isFalse();
        }
    }
}
