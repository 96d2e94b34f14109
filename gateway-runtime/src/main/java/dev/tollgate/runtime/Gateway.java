package dev.tollgate.runtime;

import com.typesafe.config.Config;
import dev.tollgate.api.ApiVersion;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.config.GatewayConfigReader;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.plugin.ComponentCatalog;
import dev.tollgate.runtime.plugin.LoadedPlugin;
import dev.tollgate.runtime.plugin.PluginDescriptor;
import dev.tollgate.runtime.plugin.PluginLoader;
import dev.tollgate.runtime.route.RoutingTable;
import dev.tollgate.runtime.server.GatewayHandler;
import dev.tollgate.runtime.server.GatewayServer;
import dev.tollgate.runtime.server.RouteTarget;
import dev.tollgate.runtime.server.ServerSettings;
import dev.tollgate.runtime.system.SystemEndpoints;
import dev.tollgate.runtime.websocket.WebSocketSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * A running gateway: configuration read, plugins loaded, components assembled, Jetty serving.
 * Built with {@link #builder()}; {@link #close()} stops it gracefully.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder().configFile(Path.of("conf/gateway.conf")).start()) {
 *     gateway.awaitStop();
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final List<LoadedPlugin> plugins;
    private final GatewayMetrics metrics;
    private final HealthRegistry health;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService blockingExecutor;
    private final Assembly assembly;
    private final GatewayServer server;
    private final WebSocketSupport webSockets;
    private final AtomicReference<RoutingTable<RouteTarget>> routes;
    private final Object stopLock = new Object();
    private boolean stopped;

    private Gateway(GatewayConfig config, List<LoadedPlugin> plugins, Clock clock) throws Exception {
        this.config = config;
        this.plugins = List.copyOf(plugins);
        this.metrics = new GatewayMetrics();
        this.health = new HealthRegistry();
        this.scheduler = new ScheduledThreadPoolExecutor(2, daemonThreads("gateway-scheduler"));
        scheduler.setRemoveOnCancelPolicy(true);
        int cores = Runtime.getRuntime().availableProcessors();
        this.blockingExecutor = new ThreadPoolExecutor(0, Math.max(8, cores * 4), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(1024), daemonThreads("gateway-blocking"));
        ComponentCatalog catalog = ComponentCatalog.of(plugins);
        Assembly built = null;
        try {
            built = Assembly.build(config, catalog, new Assembly.Services(metrics, health, scheduler, blockingExecutor, clock));
            this.assembly = built;
            this.routes = new AtomicReference<>(built.routes());
            this.server = new GatewayServer(config.server());
            this.webSockets = new WebSocketSupport(server.jetty(), metrics, scheduler);
            GatewayConfig.SystemEndpoints system = config.system();
            ServerSettings settings = new ServerSettings(
                    config.server().requestIdHeader(),
                    config.server().limits().maxUriLength(),
                    config.server().security().rejectUnderscoresInHeaderNames(),
                    config.server().security().mergeSlashes(),
                    config.server().security().rejectAmbiguousPaths(),
                    webSockets);
            GatewayHandler handler = new GatewayHandler(routes, settings,
                    system.enabled() ? new SystemEndpoints(health, metrics, system.healthPath(), system.metricsPath()) : null,
                    new GatewayHandler.SystemPaths(system.healthPath(), system.metricsPath(), system.enabled()));
            health.register("server", () -> server.isRunning()
                    ? Health.up(Map.of("connections", server.openConnections(), "inFlight", server.inFlightRequests(),
                            "webSockets", webSockets.sessionCount()))
                    : Health.down("not running"));
            metrics.gauge("tollgate.server", "connections", server::openConnections);
            metrics.gauge("tollgate.server", "in_flight_requests", server::inFlightRequests);
            server.start(handler);
            health.started();
        }
        catch (Exception | Error e) {
            if (built != null) {
                built.close();
            }
            scheduler.shutdownNow();
            blockingExecutor.shutdownNow();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks everything a start would check — including each plugin's own configuration, by
     * creating every component — then closes it all without listening on any port.
     */
    static void validate(GatewayConfig config, List<LoadedPlugin> plugins) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("gateway-check"));
        try {
            Assembly.build(config, ComponentCatalog.of(plugins),
                    new Assembly.Services(new GatewayMetrics(), new HealthRegistry(), scheduler, Runnable::run, Clock.systemUTC())).close();
        }
        finally {
            scheduler.shutdownNow();
        }
    }

    /** The clear-text port, or -1 when that listener is off. */
    public int httpPort() {
        return server.httpPort();
    }

    /** The TLS port, or -1 when that listener is off. */
    public int httpsPort() {
        return server.httpsPort();
    }

    public GatewayConfig config() {
        return config;
    }

    public List<LoadedPlugin> plugins() {
        return plugins;
    }

    public HealthRegistry health() {
        return health;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The event bus in use (in-memory or bridge). */
    public EventBus eventBus() {
        return assembly.eventBus();
    }

    /** Open WebSocket sessions. */
    public int webSocketSessions() {
        return webSockets.sessionCount();
    }

    /**
     * Stops gracefully: readiness goes down, WebSockets are closed with 1001, listeners stop
     * accepting, in-flight exchanges get up to the grace period to finish, then components close.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (stopLock) {
            if (stopped) {
                return;
            }
            stopped = true;
            stopLock.notifyAll();
        }
        LOG.info("Stopping: draining for up to {} s", config.server().shutdownGracePeriod().toSeconds());
        health.stopping();
        webSockets.close();
        try {
            server.stop();
        }
        catch (Exception e) {
            LOG.warn("Stopping the server failed", e);
        }
        assembly.close();
        scheduler.shutdownNow();
        blockingExecutor.shutdownNow();
        LOG.info("Stopped");
    }

    /** Blocks until {@link #close()} was called. */
    public void awaitStop() throws InterruptedException {
        synchronized (stopLock) {
            while (!stopped) {
                stopLock.wait();
            }
        }
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger counter = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Configures and starts a {@link Gateway}. */
    public static final class Builder {
        private Config config;
        private Path home = Path.of("").toAbsolutePath();
        private final Map<String, ClassPathPlugin> classPathPlugins = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The configuration, parsed but not resolved ({@code ${?ENV}} is resolved at start). */
        public Builder config(Config config) {
            this.config = requireNonNull(config, "config is null");
            return this;
        }

        public Builder configFile(Path file) {
            return config(GatewayConfigReader.parseFile(file));
        }

        public Builder configText(String text) {
            return config(GatewayConfigReader.parseString(text));
        }

        /** The directory relative paths resolve against (plugins.d, data); the working directory by default. */
        public Builder home(Path home) {
            this.home = requireNonNull(home, "home is null");
            return this;
        }

        /** A plugin from the class path (embedding, tests), as if found in plugins.d. */
        public Builder plugin(String id, String version, Plugin plugin) {
            classPathPlugins.put(id, new ClassPathPlugin(
                    new PluginDescriptor(id, version, ApiVersion.CURRENT, "class path plugin " + plugin.getClass().getName()), plugin));
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock is null");
            return this;
        }

        /** Reads and checks the configuration without loading plugins. */
        public GatewayConfig readConfig() {
            if (config == null) {
                throw new IllegalStateException("no configuration given");
            }
            return GatewayConfigReader.withRuntimeReference().read(config, home);
        }

        /** Loads the plugins the configuration points at, reporting each. */
        public List<LoadedPlugin> loadPlugins(GatewayConfig gatewayConfig) {
            List<LoadedPlugin> loaded = new ArrayList<>();
            Map<String, String> taken = new LinkedHashMap<>();
            for (ClassPathPlugin plugin : classPathPlugins.values()) {
                loaded.add(PluginLoader.fromClassPath(plugin.descriptor(), plugin.plugin()));
                taken.put(plugin.descriptor().id(), "the class path");
            }
            PluginLoader loader = new PluginLoader(ApiVersion.CURRENT, Gateway.class.getClassLoader());
            loaded.addAll(loader.loadDirectory(gatewayConfig.plugins().directory(),
                    id -> gatewayConfig.plugins().settingsOf(id).enabled(), taken));
            return loaded;
        }

        /**
         * Reads the configuration, loads plugins, builds every component and starts serving.
         *
         * @throws dev.tollgate.api.InvalidConfigException for a configuration mistake
         * @throws IllegalStateException when a required plugin is missing or fails
         */
        public Gateway start() throws Exception {
            GatewayConfig gatewayConfig = readConfig();
            List<LoadedPlugin> loaded = loadPlugins(gatewayConfig);
            for (LoadedPlugin plugin : loaded) {
                if (plugin.isLoaded()) {
                    LOG.info("Plugin {}", plugin.summary());
                }
                else {
                    LOG.warn("Plugin {}", plugin.summary());
                }
            }
            for (GatewayConfig.PluginSettings settings : gatewayConfig.plugins().settings().values()) {
                if (settings.required() && loaded.stream().noneMatch(plugin -> plugin.isLoaded() && plugin.id().equals(settings.pluginId()))) {
                    String why = loaded.stream().filter(plugin -> plugin.id().equals(settings.pluginId())).findFirst()
                            .map(LoadedPlugin::summary).orElse("not found in " + gatewayConfig.plugins().directory());
                    throw new IllegalStateException("required plugin " + settings.pluginId() + " is not loaded: " + why);
                }
            }
            return new Gateway(gatewayConfig, loaded, clock);
        }

        private record ClassPathPlugin(PluginDescriptor descriptor, Plugin plugin) {
        }
    }
}
