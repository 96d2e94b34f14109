package dev.tollgate.runtime.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.Upstreams;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.config.GatewayConfigReader;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.plugin.SharedResources;
import dev.tollgate.runtime.upstream.ServiceUpstream;
import dev.tollgate.runtime.upstream.UpstreamRegistry;
import dev.tollgate.runtime.upstream.UpstreamSettings;
import dev.tollgate.runtime.config.HoconConfig;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.metrics.PluginMetrics;
import dev.tollgate.runtime.plugin.PluginReference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * A {@link PluginContext} for contract tests: real metrics, an in-memory event bus, a scheduler
 * and a temporary data directory, without a running gateway. Close it to stop its threads.
 */
public final class TestingPluginContext implements PluginContext, AutoCloseable {
    private final String pluginId;
    private final PluginConfig settings;
    private final GatewayMetrics gatewayMetrics = new GatewayMetrics();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private final EventBus eventBus;
    private final Map<String, HealthIndicator> health = new ConcurrentHashMap<>();
    private final List<UpstreamRegistry.Definition> services = new ArrayList<>();
    private final HealthRegistry healthRegistry = new HealthRegistry();
    private final List<UpstreamRegistry.Lease> leases = new ArrayList<>();
    private final SharedResources sharedResources;
    private final Map<String, RedisSettings> redis = new ConcurrentHashMap<>();
    private Path dataDirectory;
    private UpstreamRegistry registry;
    private Upstreams upstreams;

    public TestingPluginContext(String pluginId) {
        this(pluginId, HoconConfig.empty("gateway.plugins." + pluginId, pluginId), new InMemoryEventBus());
    }

    public TestingPluginContext(String pluginId, PluginConfig settings, EventBus eventBus) {
        this.pluginId = pluginId;
        this.settings = settings;
        this.eventBus = eventBus;
        this.sharedResources = new SharedResources(pluginId, Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : TestingPluginContext.class.getClassLoader());
    }

    /**
     * A component's configuration as the gateway would pass it: {@code hocon} checked against the
     * section of the {@code reference.conf} visible to {@code loader}, defaults merged in.
     *
     * @param section e.g. {@code filters.response-headers}
     */
    public static PluginConfig componentConfig(ClassLoader loader, String section, String name, String hocon) {
        HoconConfig written = new HoconConfig(ConfigFactory.parseString(hocon), "test." + section, name);
        return PluginReference.load(loader, "test").validate(written, section);
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
        return new PluginMetrics(gatewayMetrics, pluginId);
    }

    /** The metrics behind {@link #metrics()}, to assert on. */
    public GatewayMetrics gatewayMetrics() {
        return gatewayMetrics;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public Executor blockingExecutor() {
        return scheduler;
    }

    @Override
    public EventBus eventBus() {
        return eventBus;
    }

    /**
     * Adds a service to {@link #upstreams()} with static instances and the runtime's default
     * service settings, overridden by {@code settings} (HOCON of the runtime-owned service keys,
     * e.g. {@code "load-balancer.policy = least-requests"}). Call before {@code upstreams()}.
     */
    public synchronized TestingPluginContext withService(String name, String settings, String... instanceUrls) {
        if (upstreams != null) {
            throw new IllegalStateException("add services before the first call to upstreams()");
        }
        Config defaults = ConfigFactory.parseResources(GatewayConfigReader.class.getClassLoader(), "reference.conf")
                .getConfig("gateway.service-defaults");
        HoconConfig block = new HoconConfig(ConfigFactory.parseString(settings), "test.services." + name, name).withFallback(defaults);
        List<ServiceInstance> instances = new ArrayList<>();
        for (String url : instanceUrls) {
            instances.add(ServiceInstance.of(URI.create(url)));
        }
        services.add(new UpstreamRegistry.Definition(name, UpstreamSettings.read(block), instances, "test", null));
        return this;
    }

    /** The services added with {@link #withService}. */
    @Override
    public synchronized Upstreams upstreams() {
        if (upstreams == null) {
            registry = new UpstreamRegistry(gatewayMetrics, healthRegistry, scheduler, scheduler);
            Map<String, ServiceUpstream> acquired = new LinkedHashMap<>();
            for (UpstreamRegistry.Definition definition : services) {
                UpstreamRegistry.Lease lease = registry.acquire(definition);
                leases.add(lease);
                acquired.put(definition.name(), lease.service());
            }
            upstreams = UpstreamRegistry.view(acquired);
        }
        return upstreams;
    }

    /**
     * Shared resources as the gateway keeps them: one per key for this context, closed when the
     * context is closed.
     */
    @Override
    public <T extends AutoCloseable> T shared(Object key, Supplier<? extends T> factory) {
        return sharedResources.acquire(key, factory, this);
    }

    /** How many shared resources are alive. */
    public int sharedResourceCount() {
        return sharedResources.size();
    }

    /**
     * Adds a Redis connection to {@link #redis} and {@link #redisNames()}, read as the runtime reads
     * {@code gateway.redis.<name>}: {@code hocon} over the runtime's defaults, with its checks, e.g.
     * {@code withRedis("default", "address = \"redis://127.0.0.1:6379\"")}. Relative store paths
     * are resolved against the working directory.
     *
     * @throws dev.tollgate.api.InvalidConfigException as the runtime would refuse it
     */
    public TestingPluginContext withRedis(String name, String hocon) {
        Config user = ConfigFactory.parseString(hocon).atPath(ConfigUtil.joinPath("gateway", "redis", name));
        GatewayConfig config = GatewayConfigReader.withRuntimeReference().read(user, Path.of("").toAbsolutePath());
        return withRedis(config.redis().get(name));
    }

    /** Adds a Redis connection to {@link #redis} and {@link #redisNames()} as it is. */
    public TestingPluginContext withRedis(RedisSettings settings) {
        redis.put(settings.name(), settings);
        return this;
    }

    /** As the runtime: a connection added with {@link #withRedis}, or the runtime's exception naming those added. */
    @Override
    public RedisSettings redis(String name) {
        return new GatewayConfig.RedisConnections(redis).get(name);
    }

    @Override
    public Set<String> redisNames() {
        return Set.copyOf(redis.keySet());
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public synchronized Path dataDirectory() {
        if (dataDirectory == null) {
            try {
                dataDirectory = Files.createTempDirectory("tollgate-plugin-" + pluginId);
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dataDirectory;
    }

    @Override
    public void registerHealth(String name, HealthIndicator indicator) {
        health.put(name, indicator);
    }

    /** Health indicators the plugin registered, by name. */
    public Map<String, HealthIndicator> health() {
        return Map.copyOf(health);
    }

    @Override
    public synchronized void close() {
        sharedResources.releaseAll(this);
        leases.forEach(UpstreamRegistry.Lease::release);
        if (registry != null) {
            registry.close();
        }
        scheduler.shutdownNow();
        if (dataDirectory != null) {
            TestGateway.delete(dataDirectory);
        }
    }
}
