package dev.tollgate.runtime.plugin;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.Upstreams;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.metrics.PluginMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/** The runtime's {@link PluginContext}: one per plugin, shared by all its factories. */
public final class RuntimePluginContext implements PluginContext {
    private final String pluginId;
    private final PluginConfig settings;
    private final ClassLoader loader;
    private final Metrics metrics;
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private final EventBus eventBus;
    private final Supplier<Upstreams> upstreams;
    private final Clock clock;
    private final Path dataDirectory;
    private final HealthRegistry health;
    private final GatewayConfig.RedisConnections redis;
    private final List<String> healthNames = new CopyOnWriteArrayList<>();

    /**
     * @param settings the plugin's validated settings
     * @param eventBus the gateway's bus, looked up when used
     * @param upstreams the registry of services, looked up when used
     * @param redis the connections of {@code gateway.redis}
     */
    public RuntimePluginContext(String pluginId, PluginConfig settings, ClassLoader loader, GatewayMetrics metrics,
                                ScheduledExecutorService scheduler, Executor blockingExecutor, Supplier<EventBus> eventBus,
                                Supplier<Upstreams> upstreams, Clock clock, Path dataRoot, HealthRegistry health,
                                GatewayConfig.RedisConnections redis) {
        this.pluginId = requireNonNull(pluginId, "pluginId is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.loader = requireNonNull(loader, "loader is null");
        this.metrics = new PluginMetrics(metrics, pluginId);
        this.scheduler = new SharedScheduler(scheduler, loader, pluginId);
        this.blockingExecutor = task -> blockingExecutor.execute(ContextClassLoader.wrap(loader, task));
        this.eventBus = new PluginEventBus(eventBus, loader);
        this.upstreams = requireNonNull(upstreams, "upstreams is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.dataDirectory = dataRoot.resolve("plugins").resolve(pluginId);
        this.health = requireNonNull(health, "health is null");
        this.redis = requireNonNull(redis, "redis is null");
    }

    @Override
    public String pluginId() {
        return pluginId;
    }

    @Override
    public PluginConfig settings() {
        return settings;
    }

    @Override
    public Metrics metrics() {
        return metrics;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public Executor blockingExecutor() {
        return blockingExecutor;
    }

    @Override
    public EventBus eventBus() {
        return eventBus;
    }

    @Override
    public Upstreams upstreams() {
        Upstreams registry = upstreams.get();
        if (registry == null) {
            throw new IllegalStateException("the upstream registry is not created yet: use it from a backend or later, not from an event bridge");
        }
        return registry;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Path dataDirectory() {
        try {
            return Files.createDirectories(dataDirectory);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory of plugin " + pluginId, e);
        }
    }

    @Override
    public void registerHealth(String name, HealthIndicator indicator) {
        requireNonNull(indicator, "indicator is null");
        String component = pluginId + "." + requireNonNull(name, "name is null");
        health.register(component, new HealthIndicator() {
            @Override
            public Health check() {
                return ContextClassLoader.call(loader, indicator::check);
            }

            @Override
            public boolean critical() {
                return indicator.critical();
            }
        });
        healthNames.add(component);
    }

    @Override
    public RedisSettings redis(String name) {
        return redis.get(name);
    }

    @Override
    public Set<String> redisNames() {
        return redis.names();
    }

    /** Removes the plugin's health components (on stop). */
    public void unregisterHealth() {
        for (String name : healthNames) {
            health.unregister(name);
        }
        healthNames.clear();
    }
}
