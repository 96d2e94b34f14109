package dev.tollgate.runtime.plugin;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.Upstream;
import dev.tollgate.api.upstream.Upstreams;
import dev.tollgate.runtime.config.GatewayConfig;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The {@link PluginContext} one component is created with: the plugin's {@link PluginServices},
 * the configuration generation's view of plugin settings, services and Redis connections — and
 * a record of what the component took from them, so that the runtime knows when it may keep the
 * component across a reload and what to release when it closes.
 *
 * <ul>
 *   <li>Shared resources it asked for are held in its name and let go when it closes.</li>
 *   <li>Health components it registered are removed when it closes (those registered while a
 *       shared resource was being created belong to that resource and go with it).</li>
 *   <li>The services and Redis connections it looked up are its dependencies: a component is
 *       kept by a reload only if they are unchanged ({@link #dependenciesUnchanged}).</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class ComponentContext implements PluginContext {
    private final PluginServices plugin;
    private final PluginConfig settings;
    private final Supplier<Upstreams> upstreams;
    private final Map<String, RedisSettings> redis;
    private final Map<String, Upstream> upstreamsUsed = new LinkedHashMap<>();
    private final Map<String, RedisSettings> redisUsed = new LinkedHashMap<>();
    private final List<Registration> healthRegistered = new ArrayList<>();
    private boolean closed;

    /**
     * @param settings the plugin's validated settings in this generation
     * @param upstreams the generation's services, or a supplier of null while they do not exist yet
     * @param redis the generation's Redis connections by name
     */
    public ComponentContext(PluginServices plugin, PluginConfig settings, Supplier<Upstreams> upstreams,
                            Map<String, RedisSettings> redis) {
        this.plugin = requireNonNull(plugin, "plugin is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.upstreams = requireNonNull(upstreams, "upstreams is null");
        this.redis = Map.copyOf(redis);
    }

    @Override
    public String pluginId() {
        return plugin.pluginId();
    }

    @Override
    public PluginConfig settings() {
        return settings;
    }

    @Override
    public Metrics metrics() {
        return plugin.metrics();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return plugin.scheduler();
    }

    @Override
    public Executor blockingExecutor() {
        return plugin.blockingExecutor();
    }

    @Override
    public EventBus eventBus() {
        return plugin.eventBus();
    }

    @Override
    public Clock clock() {
        return plugin.clock();
    }

    @Override
    public Path dataDirectory() {
        return plugin.dataDirectory();
    }

    @Override
    public void registerHealth(String name, HealthIndicator indicator) {
        requireNonNull(indicator, "indicator is null");
        String component = plugin.pluginId() + "." + requireNonNull(name, "name is null");
        ClassLoader loader = plugin.loader();
        HealthIndicator wrapped = new HealthIndicator() {
            @Override
            public Health check() {
                return ContextClassLoader.call(loader, indicator::check);
            }

            @Override
            public boolean critical() {
                return indicator.critical();
            }
        };
        plugin.health().register(component, wrapped);
        Registration registration = new Registration(component, wrapped);
        SharedResources.Entry resource = plugin.shared().creatingOnThisThread();
        if (resource != null) {
            resource.onClose(registration::remove);
            return;
        }
        synchronized (this) {
            healthRegistered.add(registration);
        }
    }

    @Override
    public Upstreams upstreams() {
        Upstreams registry = upstreams.get();
        if (registry == null) {
            throw new IllegalStateException("the upstream registry is not created yet: use it from a backend or later, not from an event bridge");
        }
        return new Upstreams() {
            @Override
            public Upstream service(String name) {
                Upstream service = registry.service(name);
                synchronized (ComponentContext.this) {
                    upstreamsUsed.put(name, service);
                }
                return service;
            }

            @Override
            public Set<String> serviceNames() {
                return registry.serviceNames();
            }
        };
    }

    @Override
    public <T extends AutoCloseable> T shared(Object key, Supplier<? extends T> factory) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the component of plugin " + plugin.pluginId() + " that asked for " + key + " is closed");
            }
        }
        return plugin.shared().acquire(key, factory, this);
    }

    @Override
    public RedisSettings redis(String name) {
        RedisSettings settings = new GatewayConfig.RedisConnections(redis).get(requireNonNull(name, "name is null"));
        synchronized (this) {
            redisUsed.put(name, settings);
        }
        return settings;
    }

    @Override
    public Set<String> redisNames() {
        return redis.keySet();
    }

    /**
     * Whether what the component looked up is the same in another generation: the same service
     * objects (a service whose settings changed is a new object) and equal Redis settings.
     */
    public synchronized boolean dependenciesUnchanged(Upstreams otherUpstreams, Map<String, RedisSettings> otherRedis) {
        for (Map.Entry<String, Upstream> used : upstreamsUsed.entrySet()) {
            if (otherUpstreams == null || !otherUpstreams.serviceNames().contains(used.getKey())
                    || otherUpstreams.service(used.getKey()) != used.getValue()) {
                return false;
            }
        }
        for (Map.Entry<String, RedisSettings> used : redisUsed.entrySet()) {
            if (!used.getValue().equals(otherRedis.get(used.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The component closed: lets go of its shared resources and removes its health components. */
    public void close() {
        List<Registration> registrations;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            registrations = List.copyOf(healthRegistered);
            healthRegistered.clear();
        }
        for (Registration registration : registrations) {
            registration.remove();
        }
        plugin.shared().releaseAll(this);
    }

    /** A health component this context registered; removed only if nobody replaced it since. */
    private final class Registration {
        private final String name;
        private final HealthIndicator indicator;

        Registration(String name, HealthIndicator indicator) {
            this.name = name;
            this.indicator = indicator;
        }

        void remove() {
            plugin.health().unregister(name, indicator);
        }
    }
}
