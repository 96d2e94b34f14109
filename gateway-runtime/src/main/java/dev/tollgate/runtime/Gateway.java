package dev.tollgate.runtime;

import com.typesafe.config.Config;
import dev.tollgate.api.ApiVersion;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.assembly.Generation;
import dev.tollgate.runtime.assembly.GenerationBuilder;
import dev.tollgate.runtime.assembly.Platform;
import dev.tollgate.runtime.client.ClientScreen;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.config.GatewayConfigReader;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.plugin.ComponentCatalog;
import dev.tollgate.runtime.plugin.LoadedPlugin;
import dev.tollgate.runtime.plugin.PluginDescriptor;
import dev.tollgate.runtime.plugin.PluginLoader;
import dev.tollgate.runtime.server.ErrorResponses;
import dev.tollgate.runtime.server.GatewayHandler;
import dev.tollgate.runtime.server.ClientErrors;
import dev.tollgate.runtime.server.GatewayServer;
import dev.tollgate.runtime.server.Pipeline;
import dev.tollgate.runtime.server.RouteMetrics;
import dev.tollgate.runtime.server.RouteTarget;
import dev.tollgate.runtime.server.ServerSettings;
import dev.tollgate.runtime.server.WebSocketUpgrades;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * A running gateway: configuration read, plugins loaded, the current configuration generation
 * assembled, Jetty serving. Built with {@link #builder()}; {@link #reload()} applies a changed
 * configuration without dropping a request; {@link #close()} stops gracefully.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder().configFile(Path.of("conf/gateway.conf")).start()) {
 *     gateway.awaitStop();
 * }
 * }</pre>
 *
 * <p>What lives as long as the process (the server and its listeners, the event bus, metrics,
 * health, plugins and their shared resources, the services' registry) is separate from what
 * lives per {@link Generation} (routes, filters, backends, endpoints), so that a reload swaps the
 * latter atomically while keeping every component whose configuration did not change.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Supplier<Config> configSource;
    private final Builder builder;
    private final GatewayMetrics metrics;
    private final HealthRegistry health;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService blockingExecutor;
    private final ExecutorService reloads;
    private final Platform platform;
    private final GatewayServer server;
    private final WebSocketSupport webSockets;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    private final List<Generation> draining = new ArrayList<>();
    private final Object stopLock = new Object();
    private volatile List<LoadedPlugin> plugins;
    private volatile ComponentCatalog catalog;
    private volatile Map<String, String> pluginFiles;
    private volatile ReloadResult lastReload;
    private AutoCloseable eventBus;
    private volatile ConfigWatcher watcher;
    private boolean stopped;

    private Gateway(Builder builder, GatewayConfig config, List<LoadedPlugin> loaded, Supplier<Config> configSource) throws Exception {
        this.builder = builder;
        this.configSource = configSource;
        this.plugins = List.copyOf(loaded);
        this.pluginFiles = PluginLoader.scan(config.plugins().directory());
        this.metrics = new GatewayMetrics();
        this.health = new HealthRegistry();
        this.scheduler = new ScheduledThreadPoolExecutor(2, daemonThreads("gateway-scheduler"));
        scheduler.setRemoveOnCancelPolicy(true);
        int cores = Runtime.getRuntime().availableProcessors();
        this.blockingExecutor = BlockingExecutor.create(Math.max(8, cores * 4), 1024, daemonThreads("gateway-blocking"));
        this.reloads = Executors.newSingleThreadExecutor(daemonThreads("gateway-reload"));
        this.platform = new Platform(metrics, health, scheduler, blockingExecutor, builder.clock, config.dataDirectory());
        try {
            this.catalog = ComponentCatalog.of(loaded);
            this.server = new GatewayServer(config.server(), new ClientErrors(metrics));
            this.webSockets = new WebSocketSupport(server.jetty(), metrics, scheduler);
            ServerSettings settings = serverSettings(config, webSockets, metrics, server.clientErrors());
            platform.serve(settings, systemEndpoints(config, health, metrics));
            eventBus = GenerationBuilder.startEventBus(platform, config, catalog);
            Generation first = GenerationBuilder.build(platform, config, catalog, 1);
            current.set(first);
            lastReload = new ReloadResult(1, builder.clock.instant(), true, "started", List.of());
            health.register("reload", this::reloadHealth);
            health.register("server", () -> server.isRunning()
                    ? Health.up(Map.of("connections", server.openConnections(), "inFlight", server.inFlightRequests(),
                            "webSockets", webSockets.sessionCount()))
                    : Health.down("not running"));
            metrics.gauge("tollgate.server", "connections", server::openConnections);
            metrics.gauge("tollgate.server", "in_flight_requests", server::inFlightRequests);
            metrics.gauge("tollgate.config", "generation", () -> current.get().number());
            server.start(new GatewayHandler(() -> current.get().pipeline(), settings),
                    managementHandler(config, health, metrics, settings));
            watch(config);
            health.started();
        }
        catch (Exception | Error e) {
            Generation built = current.getAndSet(null);
            if (built != null) {
                built.release();
            }
            closeQuietly(eventBus);
            platform.close();
            scheduler.shutdownNow();
            blockingExecutor.shutdownNow();
            reloads.shutdownNow();
            throw e;
        }
    }

    private static ServerSettings serverSettings(GatewayConfig config, WebSocketUpgrades webSockets, GatewayMetrics metrics,
                                                 ClientErrors clientErrors) {
        GatewayConfig.Server server = config.server();
        ErrorResponses errors = new ErrorResponses(server.requestIdHeader());
        GatewayConfig.Limits limits = server.limits();
        RouteTarget system = RouteTarget.unrouted(limits.maxRequestBodySize(), limits.maxBufferedBodySize(),
                limits.minRequestDataRate(), limits.minResponseDataRate(), new RouteMetrics(metrics, "system"), errors);
        GatewayConfig.Forwarding forwarding = server.forwarding();
        ClientScreen clients = new ClientScreen(forwarding.trustedProxies(), forwarding.clientAddressHeader(),
                forwarding.identityHeaders(), server.requestIdHeader());
        return new ServerSettings(server.requestIdHeader(), limits.maxUriLength(), server.security().rejectUnderscoresInHeaderNames(),
                server.security().mergeSlashes(), server.security().rejectAmbiguousPaths(), clients, webSockets, errors, system,
                clientErrors);
    }

    /** The public listeners' system endpoints: status only and no metrics unless configured. */
    private static SystemEndpoints systemEndpoints(GatewayConfig config, HealthRegistry health, GatewayMetrics metrics) {
        GatewayConfig.SystemEndpoints system = config.system();
        return system.enabled() ? new SystemEndpoints(health, metrics, system.healthPath(), system.metricsPath(),
                system.publicHealthDetails(), system.publicMetrics()) : null;
    }

    /** The management listener: the system endpoints with details and metrics, nothing else. */
    private static GatewayHandler managementHandler(GatewayConfig config, HealthRegistry health, GatewayMetrics metrics,
                                                    ServerSettings settings) {
        GatewayConfig.SystemEndpoints system = config.system();
        SystemEndpoints endpoints = new SystemEndpoints(health, metrics, system.healthPath(), system.metricsPath(), true, true);
        GatewayConfig.Limits limits = config.server().limits();
        RouteTarget unmatched = RouteTarget.unrouted(limits.maxRequestBodySize(), limits.maxBufferedBodySize(),
                limits.minRequestDataRate(), limits.minResponseDataRate(), new RouteMetrics(metrics, "management"), settings.errors());
        Pipeline pipeline = new Pipeline(dev.tollgate.runtime.route.RoutingTable.of(List.of()), List.of(), endpoints, false, settings, unmatched);
        return new GatewayHandler(() -> pipeline, settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** WebSocket support for a validation run, which serves nothing. */
    private static final WebSocketUpgrades NO_WEBSOCKETS = new WebSocketUpgrades() {
        @Override
        public boolean isUpgradeRequest(org.eclipse.jetty.server.Request request) {
            return false;
        }

        @Override
        public CompletionStage<Void> upgrade(dev.tollgate.api.http.Exchange exchange, org.eclipse.jetty.server.Request request,
                                             org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback,
                                             dev.tollgate.api.websocket.WebSocketHandler handler,
                                             dev.tollgate.api.websocket.WebSocketSettings settings, ClassLoader handlerLoader) {
            return CompletableFuture.failedFuture(new IllegalStateException("a validation run serves nothing"));
        }
    };

    /**
     * Checks everything a start would check — including each plugin's own configuration, by
     * creating every component — then closes it all without listening on any port.
     */
    static void validate(GatewayConfig config, List<LoadedPlugin> plugins) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("gateway-check"));
        GatewayMetrics metrics = new GatewayMetrics();
        HealthRegistry health = new HealthRegistry();
        Platform platform = new Platform(metrics, health, scheduler, Runnable::run, Clock.systemUTC(), config.dataDirectory());
        AutoCloseable bus = null;
        try {
            platform.serve(serverSettings(config, NO_WEBSOCKETS, metrics, new ClientErrors(metrics)), systemEndpoints(config, health, metrics));
            ComponentCatalog catalog = ComponentCatalog.of(plugins);
            bus = GenerationBuilder.startEventBus(platform, config, catalog);
            GenerationBuilder.build(platform, config, catalog, 1).release();
        }
        finally {
            closeQuietly(bus);
            platform.close();
            scheduler.shutdownNow();
        }
    }

    // --- reload

    /**
     * Reads the configuration again from where the gateway got it (the file), and applies it: see
     * {@link #reload(Config)}. Called on SIGHUP, by {@code bin/gateway reload}, and by the file watch.
     */
    public CompletionStage<ReloadResult> reload() {
        return reload(null);
    }

    /**
     * Applies a new configuration, on the gateway's reload thread (one reload at a time). It is
     * read and validated whole first, new plugin jars in {@code plugins.d} are loaded and every
     * component is built or taken over; only then is the new generation swapped in, atomically.
     * The old one drains — exchanges in flight finish on it — and then lets go of its components:
     * those the new generation kept live on, the rest close. An invalid configuration changes
     * nothing; the stage completes with the outcome either way, and {@code /health} shows it.
     *
     * @param config the new configuration (parsed, unresolved); null to read it from the source
     */
    public CompletionStage<ReloadResult> reload(Config config) {
        CompletableFuture<ReloadResult> result = new CompletableFuture<>();
        try {
            reloads.execute(() -> result.complete(applyReload(config)));
        }
        catch (java.util.concurrent.RejectedExecutionException e) {
            result.complete(new ReloadResult(generation(), builder.clock.instant(), false, "the gateway is stopping", List.of()));
        }
        return result;
    }

    private ReloadResult applyReload(Config given) {
        synchronized (stopLock) {
            if (stopped) {
                return new ReloadResult(generation(), builder.clock.instant(), false, "the gateway is stopping", List.of());
            }
        }
        Generation old = current.get();
        long number = old.number() + 1;
        List<String> notes = new ArrayList<>();
        ReloadResult outcome;
        try {
            GatewayConfig config = GatewayConfigReader.withRuntimeReference().read(given != null ? given : configSource.get(), builder.home);
            notes.addAll(RestartRequired.between(old.config(), config));
            ComponentCatalog next = loadNewPlugins(config, notes);
            Generation built = GenerationBuilder.build(platform, config, next, number);
            catalog = next;
            current.set(built);
            if (!config.logging().equals(old.config().logging())) {
                Logging.configure(config.logging());
            }
            watch(config);
            retire(old, config.reload().drainTimeout());
            outcome = new ReloadResult(number, builder.clock.instant(), true,
                    "configuration generation " + number + " applied", notes);
            LOG.info("Reload: configuration generation {} applied{}", number,
                    notes.isEmpty() ? "" : "; needs a restart: " + String.join("; ", notes));
        }
        catch (InvalidConfigException e) {
            outcome = refused(old, "invalid configuration: " + e.getMessage(), notes);
        }
        catch (RuntimeException | LinkageError e) {
            LOG.error("Reload failed", e);
            outcome = refused(old, "cannot apply the configuration: " + e, notes);
        }
        lastReload = outcome;
        ReloadStatusFile.write(old.config().dataDirectory(), outcome);
        return outcome;
    }

    private ReloadResult refused(Generation old, String message, List<String> notes) {
        LOG.error("Reload refused, configuration generation {} keeps running: {}", old.number(), message);
        return new ReloadResult(old.number(), builder.clock.instant(), false, message, notes);
    }

    /** The catalog with the plugins that appeared in plugins.d since the last scan; notes the ones that changed or went. */
    private ComponentCatalog loadNewPlugins(GatewayConfig config, List<String> notes) {
        Map<String, String> now = PluginLoader.scan(config.plugins().directory());
        Map<String, String> before = pluginFiles;
        for (Map.Entry<String, String> known : before.entrySet()) {
            String fingerprint = now.get(known.getKey());
            if (fingerprint == null) {
                notes.add("plugin " + known.getKey() + " was removed from plugins.d: it stays loaded until a restart");
            }
            else if (!fingerprint.equals(known.getValue())) {
                notes.add("plugin " + known.getKey() + " changed on disk: restart to load the new version");
            }
        }
        List<String> added = now.keySet().stream().filter(source -> !before.containsKey(source)).toList();
        if (added.isEmpty()) {
            return catalog;
        }
        Map<String, String> taken = new LinkedHashMap<>();
        for (LoadedPlugin plugin : plugins) {
            plugin.descriptor().filter(d -> plugin.isLoaded()).ifPresent(d -> taken.put(d.id(), plugin.source()));
        }
        List<LoadedPlugin> loaded = new PluginLoader(ApiVersion.CURRENT, Gateway.class.getClassLoader())
                .loadDirectory(config.plugins().directory(), id -> config.plugins().settingsOf(id).enabled(), taken, added::contains);
        for (LoadedPlugin plugin : loaded) {
            if (plugin.isLoaded()) {
                LOG.info("Reload: plugin {}", plugin.summary());
            }
            else {
                LOG.warn("Reload: plugin {}", plugin.summary());
            }
        }
        ComponentCatalog next = catalog.with(loaded.stream().filter(LoadedPlugin::isLoaded).toList());
        List<LoadedPlugin> all = new ArrayList<>(plugins);
        all.addAll(loaded);
        plugins = List.copyOf(all);
        pluginFiles = now;
        return next;
    }

    /** Drains the old generation in the background, then releases it (on the reload thread). */
    private void retire(Generation old, java.time.Duration drainTimeout) {
        synchronized (draining) {
            draining.add(old);
        }
        old.retire().toCompletableFuture()
                .orTimeout(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ignored, timeout) -> {
                    if (timeout != null) {
                        LOG.warn("Configuration generation {} still had {} exchanges in flight after {} s; closing its components",
                                old.number(), old.pipeline().inFlight(), drainTimeout.toSeconds());
                    }
                    try {
                        reloads.execute(() -> release(old));
                    }
                    catch (java.util.concurrent.RejectedExecutionException stopping) {
                        release(old);
                    }
                });
    }

    private void release(Generation old) {
        synchronized (draining) {
            if (!draining.remove(old)) {
                return;
            }
        }
        old.release();
        LOG.debug("Configuration generation {} released", old.number());
    }

    private Health reloadHealth() {
        ReloadResult last = lastReload;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("generation", current.get() == null ? 0 : current.get().number());
        details.put("lastReload", last.time().toString());
        details.put("outcome", last.outcome());
        details.put("message", last.message());
        if (!last.notes().isEmpty()) {
            details.put("needsRestart", last.notes());
        }
        synchronized (draining) {
            if (!draining.isEmpty()) {
                details.put("draining", draining.stream().map(Generation::number).toList());
            }
        }
        return last.applied() ? Health.up(details) : new Health(Health.Status.DEGRADED, details);
    }

    private void watch(GatewayConfig config) {
        boolean wanted = config.reload().watch() && builder.configFile != null;
        if (wanted && watcher == null) {
            watcher = ConfigWatcher.start(builder.configFile, () -> reload());
        }
        else if (!wanted && watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    // --- accessors

    /** The clear-text port, or -1 when that listener is off. */
    public int httpPort() {
        return server.httpPort();
    }

    /** The TLS port, or -1 when that listener is off. */
    public int httpsPort() {
        return server.httpsPort();
    }

    /** The management port, or -1 when that listener is off. */
    public int managementPort() {
        return server.managementPort();
    }

    /** The configuration of the current generation. */
    public GatewayConfig config() {
        return current.get().config();
    }

    /** The number of the configuration generation serving now: 1 at start, one more per applied reload. */
    public long generation() {
        Generation generation = current.get();
        return generation == null ? 0 : generation.number();
    }

    /** How the last reload ended ({@code started} before any). */
    public ReloadResult lastReload() {
        return lastReload;
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

    /** The process-wide parts (for tests and diagnostics: live components, shared resources). */
    public Platform platform() {
        return platform;
    }

    /** The event bus in use (in-memory or bridge). */
    public EventBus eventBus() {
        return platform.eventBus();
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
        GatewayConfig config = config();
        health.stopping();
        long drainDelay = config.server().drainDelay().toMillis();
        if (drainDelay > 0) {
            // Readiness is down: give load balancers the time to notice before the listeners close.
            LOG.info("Stopping: not ready; serving on for {} ms (drain-delay) before closing the listeners", drainDelay);
            try {
                Thread.sleep(drainDelay);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("Stopping: draining for up to {} s", config.server().shutdownGracePeriod().toSeconds());
        if (watcher != null) {
            watcher.close();
        }
        // Close frames first, then the listeners: at most a few seconds for peers to answer.
        webSockets.closeAndAwait(java.time.Duration.ofMillis(Math.min(5000, config.server().shutdownGracePeriod().toMillis())));
        try {
            server.stop();
        }
        catch (Exception e) {
            LOG.warn("Stopping the server failed", e);
        }
        reloads.shutdown();
        try {
            reloads.awaitTermination(config.server().shutdownGracePeriod().toMillis() + 1000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Generation> left;
        synchronized (draining) {
            left = new ArrayList<>(draining);
            draining.clear();
        }
        left.forEach(Generation::release);
        current.get().release();
        closeQuietly(eventBus);
        platform.close();
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

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        }
        catch (Exception e) {
            LOG.warn("Closing {} failed", closeable, e);
        }
    }

    static ThreadFactory daemonThreads(String name) {
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
        private Path configFile;
        private Path home = Path.of("").toAbsolutePath();
        /** What {@link #readConfig()} returned for the current config and home: reading 10 000 routes takes ½ s. */
        private GatewayConfig read;
        private final Map<String, ClassPathPlugin> classPathPlugins = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The configuration, parsed but not resolved ({@code ${?ENV}} is resolved at start). */
        public Builder config(Config config) {
            this.config = requireNonNull(config, "config is null");
            this.configFile = null;
            this.read = null;
            return this;
        }

        /** The configuration file; {@link Gateway#reload()} reads it again. */
        public Builder configFile(Path file) {
            this.config = GatewayConfigReader.parseFile(file);
            this.configFile = file;
            this.read = null;
            return this;
        }

        public Builder configText(String text) {
            return config(GatewayConfigReader.parseString(text));
        }

        /** The directory relative paths resolve against (plugins.d, data); the working directory by default. */
        public Builder home(Path home) {
            this.home = requireNonNull(home, "home is null");
            this.read = null;
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

        /**
         * Reads and checks the configuration without loading plugins. Read once: {@link #start()}
         * uses the same result, so the command line reading it first to configure logging does not
         * double the time to ready.
         */
        public GatewayConfig readConfig() {
            if (config == null) {
                throw new IllegalStateException("no configuration given");
            }
            if (read == null) {
                read = GatewayConfigReader.withRuntimeReference().read(config, home);
            }
            return read;
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
            Path file = configFile;
            Config given = config;
            Supplier<Config> source = file != null ? () -> GatewayConfigReader.parseFile(file) : () -> given;
            return new Gateway(this, gatewayConfig, loaded, source);
        }

        private record ClassPathPlugin(PluginDescriptor descriptor, Plugin plugin) {
        }
    }
}
