package dev.tollgate.runtime.assembly;

import dev.tollgate.api.event.EventBus;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.plugin.LoadedPlugin;
import dev.tollgate.runtime.plugin.PluginServices;
import dev.tollgate.runtime.server.ServerSettings;
import dev.tollgate.runtime.system.SystemEndpoints;
import dev.tollgate.runtime.upstream.UpstreamRegistry;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import static java.util.Objects.requireNonNull;

/**
 * What lives as long as the process, whatever the configuration: metrics, health, the shared
 * scheduler and blocking executor, each plugin's {@link PluginServices} (and through them its
 * shared resources), the event bus, the registry of services and the pool of components that
 * configuration generations share.
 *
 * <p>Thread-safe.
 */
public final class Platform implements AutoCloseable {
    private final GatewayMetrics metrics;
    private final HealthRegistry health;
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private final Clock clock;
    private final Path dataDirectory;
    private final Map<String, PluginServices> plugins = new ConcurrentHashMap<>();
    private final UpstreamRegistry upstreams;
    private final ComponentPool pool = new ComponentPool();
    private volatile EventBus eventBus;
    private volatile ServerSettings serverSettings;
    private volatile SystemEndpoints systemEndpoints;

    public Platform(GatewayMetrics metrics, HealthRegistry health, ScheduledExecutorService scheduler, Executor blockingExecutor,
                    Clock clock, Path dataDirectory) {
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.health = requireNonNull(health, "health is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.blockingExecutor = requireNonNull(blockingExecutor, "blockingExecutor is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.dataDirectory = requireNonNull(dataDirectory, "dataDirectory is null");
        this.upstreams = new UpstreamRegistry(metrics, health, scheduler, blockingExecutor);
    }

    /** The services of a loaded plugin, created the first time it is asked for. */
    public PluginServices services(LoadedPlugin plugin) {
        return plugins.computeIfAbsent(plugin.id(), id -> new PluginServices(id, plugin.classLoader(), metrics, scheduler,
                blockingExecutor, () -> eventBus, clock, dataDirectory, health));
    }

    /** The event bus, once started. */
    public EventBus eventBus() {
        return eventBus;
    }

    void eventBus(EventBus bus) {
        this.eventBus = requireNonNull(bus, "bus is null");
    }

    /** What the request path needs from the server; set once the server is built (null for a validation run). */
    public void serve(ServerSettings settings, SystemEndpoints system) {
        this.serverSettings = requireNonNull(settings, "settings is null");
        this.systemEndpoints = system;
    }

    ServerSettings serverSettings() {
        return serverSettings;
    }

    SystemEndpoints systemEndpoints() {
        return systemEndpoints;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    public HealthRegistry health() {
        return health;
    }

    java.time.Clock clock() {
        return clock;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    UpstreamRegistry upstreams() {
        return upstreams;
    }

    ComponentPool pool() {
        return pool;
    }

    /** Live pooled components (for tests and diagnostics). */
    public int liveComponents() {
        return pool.size();
    }

    /** Shared resources alive, per plugin id (for tests and diagnostics). */
    public Map<String, Integer> sharedResources() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        plugins.forEach((id, services) -> counts.put(id, services.shared().size()));
        return counts;
    }

    /** Closes what outlived every generation: shared resources left over, the health prober. */
    @Override
    public void close() {
        for (PluginServices services : List.copyOf(plugins.values())) {
            services.shared().closeAll();
        }
        upstreams.close();
    }
}
