package dev.tollgate.runtime.plugin;

import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.metrics.PluginMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * What the runtime lends one plugin for the life of the process, whatever the configuration:
 * metrics under its id, the shared scheduler and blocking executor (running its tasks with its
 * class loader), the event bus, the clock, its data directory, the health registry, and its
 * {@link SharedResources}. Each component gets a {@link ComponentContext} over it.
 */
public final class PluginServices {
    private final String pluginId;
    private final ClassLoader loader;
    private final Metrics metrics;
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private final EventBus eventBus;
    private final Clock clock;
    private final Path dataDirectory;
    private final HealthRegistry health;
    private final SharedResources shared;

    /**
     * @param eventBus the gateway's bus, looked up when used (a bridge is created after the contexts)
     */
    public PluginServices(String pluginId, ClassLoader loader, GatewayMetrics metrics, ScheduledExecutorService scheduler,
                          Executor blockingExecutor, Supplier<EventBus> eventBus, Clock clock, Path dataRoot, HealthRegistry health) {
        this.pluginId = requireNonNull(pluginId, "pluginId is null");
        this.loader = requireNonNull(loader, "loader is null");
        this.metrics = new PluginMetrics(metrics, pluginId);
        this.scheduler = new SharedScheduler(scheduler, loader, pluginId);
        this.blockingExecutor = task -> blockingExecutor.execute(ContextClassLoader.wrap(loader, task));
        this.eventBus = new PluginEventBus(eventBus, loader);
        this.clock = requireNonNull(clock, "clock is null");
        this.dataDirectory = dataRoot.resolve("plugins").resolve(pluginId);
        this.health = requireNonNull(health, "health is null");
        this.shared = new SharedResources(pluginId, loader);
    }

    public String pluginId() {
        return pluginId;
    }

    public ClassLoader loader() {
        return loader;
    }

    Metrics metrics() {
        return metrics;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    Executor blockingExecutor() {
        return blockingExecutor;
    }

    EventBus eventBus() {
        return eventBus;
    }

    Clock clock() {
        return clock;
    }

    HealthRegistry health() {
        return health;
    }

    public SharedResources shared() {
        return shared;
    }

    /** The plugin's data directory, created on first use. */
    Path dataDirectory() {
        try {
            return Files.createDirectories(dataDirectory);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory of plugin " + pluginId, e);
        }
    }
}
