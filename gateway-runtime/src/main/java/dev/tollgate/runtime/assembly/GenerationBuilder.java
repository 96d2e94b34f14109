package dev.tollgate.runtime.assembly;

import com.typesafe.config.ConfigObject;
import dev.tollgate.api.ComponentFactory;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventBridgeFactory;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.Discovery;
import dev.tollgate.api.upstream.DiscoveryFactory;
import dev.tollgate.api.upstream.Upstreams;
import dev.tollgate.runtime.chain.FilterChain;
import dev.tollgate.runtime.config.ConfigKeys;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.config.HoconConfig;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.plugin.ComponentCatalog;
import dev.tollgate.runtime.plugin.ComponentContext;
import dev.tollgate.runtime.plugin.ContextClassLoader;
import dev.tollgate.runtime.plugin.LoadedPlugin;
import dev.tollgate.runtime.route.PathTemplate;
import dev.tollgate.runtime.route.RoutingTable;
import dev.tollgate.runtime.server.Pipeline;
import dev.tollgate.runtime.server.RouteMetrics;
import dev.tollgate.runtime.server.RouteTarget;
import dev.tollgate.runtime.server.ServerSettings;
import dev.tollgate.runtime.upstream.ServiceUpstream;
import dev.tollgate.runtime.upstream.UpstreamRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Turns a configuration and the loaded plugins into a {@link Generation}: the discovery sources,
 * the services, a backend per service, the named filter instances, the gateway-wide filters, and
 * for each route its filters and backend handler or endpoint, chained and put in the routing
 * table. Every component comes from the {@link Platform}'s pool when an equal one lives (a reload
 * keeps it), and is created otherwise.
 *
 * <p>Configuration mistakes (an unknown filter name, a bad plugin setting) fail the build with
 * {@link InvalidConfigException}, and what it acquired is released. A component whose
 * {@code create} throws anything else is reported and replaced by one that answers 503 for its
 * routes — unless its plugin is {@code required}, which fails the build — so one broken plugin
 * does not take the gateway down and never lets a request skip a filter.
 */
public final class GenerationBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationBuilder.class);

    private final Platform platform;
    private final GatewayConfig config;
    private final ComponentCatalog catalog;
    private final long number;
    private final List<Runnable> releases = new ArrayList<>();
    private final Map<String, HoconConfig> pluginSettings = new HashMap<>();
    private final Map<String, RedisSettings> redis;
    private final Map<String, ServiceUpstream> services = new LinkedHashMap<>();
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private final Map<String, FilterChain.Step> namedFilters = new LinkedHashMap<>();
    private Upstreams upstreams;
    private int created;
    private int reused;

    private GenerationBuilder(Platform platform, GatewayConfig config, ComponentCatalog catalog, long number) {
        this.platform = platform;
        this.config = config;
        this.catalog = catalog;
        this.number = number;
        this.redis = config.redis().byName();
    }

    /**
     * Builds generation {@code number} of {@code config}; on failure releases what it acquired and
     * rethrows.
     *
     * @throws InvalidConfigException for a configuration mistake
     * @throws IllegalStateException when a required plugin's component fails
     */
    public static Generation build(Platform platform, GatewayConfig config, ComponentCatalog catalog, long number) {
        requireNonNull(platform.serverSettings(), "the platform is not serving yet");
        GenerationBuilder builder = new GenerationBuilder(platform, config, catalog, number);
        try {
            return builder.build();
        }
        catch (RuntimeException | Error e) {
            builder.releaseAll();
            throw e;
        }
    }

    /**
     * Starts the event bus of {@code config}: the in-memory one, or the bridge plugin it names. It
     * lives as long as the process (changing {@code gateway.events} needs a restart).
     *
     * @return what stops it
     */
    public static AutoCloseable startEventBus(Platform platform, GatewayConfig config, ComponentCatalog catalog) {
        GenerationBuilder builder = new GenerationBuilder(platform, config, catalog, 0);
        GatewayConfig.Events events = config.events();
        if (events.isLocal()) {
            InMemoryEventBus bus = new InMemoryEventBus(events.localHistory(), events.localMaxHistoryChannels(), platform.clock());
            platform.eventBus(bus);
            platform.metrics().gauge("tollgate.events", "history_channels", bus::channelsWithHistory);
            long sweep = InMemoryEventBus.EXPIRY_SWEEP_INTERVAL.toMillis();
            ScheduledFuture<?> expiry = events.localHistory().isEmpty() ? null
                    : platform.scheduler().scheduleWithFixedDelay(bus::evictExpired, sweep, sweep, TimeUnit.MILLISECONDS);
            platform.health().register("events", () -> Health.up(Map.of("bridge", "local")));
            return () -> {
                if (expiry != null) {
                    expiry.cancel(false);
                }
                platform.health().unregister("events");
            };
        }
        ComponentCatalog.Registration<EventBridgeFactory> registration = catalog.bridge(events.bridge())
                .orElseThrow(() -> new InvalidConfigException("gateway.events.bridge", "",
                        "unknown event bridge '" + events.bridge() + "'" + ConfigKeys.suggestion(events.bridge(),
                                union(Set.of("local"), catalog.bridgeNames())) + catalog.notLoadedNote()));
        HoconConfig bridgeConfig = registration.reference().validate(events.config(), "bridges." + events.bridge());
        ComponentContext context = builder.context(registration.plugin());
        EventBridge bridge = builder.createOrNull(registration, bridgeConfig, context);
        if (bridge == null) {
            // Loud, not silent: events would not cross gateway instances.
            boolean optional = config.plugins().settingsOf(registration.plugin().id()).optional();
            LOG.error("Event bridge '{}' failed to start: falling back to the in-memory event bus, events will not cross gateway "
                    + "instances{}", events.bridge(), optional ? "" : "; the gateway is not ready");
            builder.releaseAll();
            platform.eventBus(new InMemoryEventBus(events.localHistory(), platform.clock()));
            Map<String, Object> details = Map.of("bridge", "local (fallback)", "configured", events.bridge(),
                    "problem", "the " + events.bridge() + " bridge failed to start: events do not cross gateway instances");
            HealthIndicator fallback = new HealthIndicator() {
                @Override
                public Health check() {
                    return new Health(optional ? Health.Status.DEGRADED : Health.Status.DOWN, details);
                }

                @Override
                public boolean critical() {
                    return !optional;
                }
            };
            platform.health().register("events", fallback);
            return () -> platform.health().unregister("events", fallback);
        }
        platform.eventBus(bridge);
        HealthIndicator indicator = bridge.health();
        platform.health().register("events", () -> ContextClassLoader.call(registration.classLoader(), indicator::check));
        return () -> {
            platform.health().unregister("events");
            ContextClassLoader.run(registration.classLoader(), () -> {
                try {
                    bridge.close();
                }
                catch (Exception e) {
                    LOG.warn("Closing the event bridge {} failed", events.bridge(), e);
                }
            });
            context.close();
            builder.releaseAll();
        };
    }

    private Generation build() {
        checkPluginIds();
        if (number <= 1) {
            config.redis().byName().values().forEach(redis -> LOG.info("Redis connection {}", redis));
        }
        Map<String, Discovery> discoveries = createDiscoveries();
        acquireServices(discoveries);
        createBackends();
        createNamedFilters();
        List<FilterChain.Step> global = new ArrayList<>();
        for (int i = 0; i < config.globalFilters().size(); i++) {
            global.add(filterStep(config.globalFilters().get(i), "global[" + i + "]"));
        }
        RoutingTable<RouteTarget> routes = createRoutes();
        ServerSettings settings = platform.serverSettings();
        GatewayConfig.Limits limits = config.server().limits();
        RouteTarget unmatched = RouteTarget.unrouted(limits.maxRequestBodySize(), limits.maxBufferedBodySize(),
                limits.minRequestDataRate(), limits.minResponseDataRate(), new RouteMetrics(platform.metrics(), "unmatched"),
                settings.errors());
        Pipeline pipeline = new Pipeline(routes, global, platform.systemEndpoints(),
                config.system().globalFilters(), settings, unmatched);
        if (!global.isEmpty()) {
            LOG.info("Gateway-wide filters: {}", String.join(" → ", pipeline.describe()));
        }
        LOG.info("Configuration generation {}: {} routes, {} services; {} components created, {} kept", number,
                config.routes().size(), services.size(), created, reused);
        return new Generation(number, config, pipeline, releases);
    }

    private void releaseAll() {
        for (int i = releases.size() - 1; i >= 0; i--) {
            try {
                releases.get(i).run();
            }
            catch (RuntimeException e) {
                LOG.warn("Releasing a component of a configuration that failed to build failed", e);
            }
        }
        releases.clear();
    }

    private void checkPluginIds() {
        for (String pluginId : config.plugins().settings().keySet()) {
            boolean known = catalog.plugins().stream().anyMatch(plugin -> plugin.id().equals(pluginId));
            if (!known && config.plugins().settingsOf(pluginId).enabled()) {
                List<String> installed = catalog.plugins().stream().map(LoadedPlugin::id).toList();
                throw config.plugins().settingsOf(pluginId).config().error(
                        "no plugin with id '" + pluginId + "' is installed in " + config.plugins().directory()
                                + ConfigKeys.suggestion(pluginId, Set.copyOf(installed)));
            }
        }
        for (LoadedPlugin plugin : catalog.plugins()) {
            if (plugin.isLoaded()) {
                settingsOf(plugin);
            }
        }
    }

    /** The plugin's validated settings in this generation. */
    private HoconConfig settingsOf(LoadedPlugin plugin) {
        return pluginSettings.computeIfAbsent(plugin.id(), id -> catalog.reference(id)
                .validate(config.plugins().settingsOf(id).config(), "plugins." + id));
    }

    /** A context for one component of {@code plugin} in this generation. */
    private ComponentContext context(LoadedPlugin plugin) {
        return new ComponentContext(platform.services(plugin), settingsOf(plugin), () -> upstreams, redis);
    }

    // --- services

    private Map<String, Discovery> createDiscoveries() {
        Map<String, Discovery> discoveries = new LinkedHashMap<>();
        for (GatewayConfig.Service service : config.services().values()) {
            if (service.discovery().isEmpty() || discoveries.containsKey(service.discovery().get())) {
                continue;
            }
            String name = service.discovery().get();
            if (!config.discovery().containsKey(name)) {
                throw service.block().error("discovery", "unknown discovery source '" + name + "'; declare it under gateway.discovery"
                        + ConfigKeys.suggestion(name, config.discovery().keySet()));
            }
            ComponentCatalog.Registration<DiscoveryFactory> registration = catalog.discovery(name)
                    .orElseThrow(() -> config.discovery().get(name).error("no discovery plugin offers '" + name + "'"
                            + ConfigKeys.suggestion(name, catalog.discoveryNames()) + catalog.notLoadedNote()));
            HoconConfig discoveryConfig = registration.reference().validate(config.discovery().get(name), "discovery." + name);
            discoveries.put(name, pooled("discovery", name, registration, discoveryConfig, "discovery " + name));
        }
        return discoveries;
    }

    private void acquireServices(Map<String, Discovery> discoveries) {
        UpstreamRegistry registry = platform.upstreams();
        for (GatewayConfig.Service service : config.services().values()) {
            String source = service.discovery().map(name -> "discovery '" + name + "'").orElse("configuration");
            Discovery discovery = service.discovery().map(discoveries::get).orElse(null);
            UpstreamRegistry.Lease lease = registry.acquire(new UpstreamRegistry.Definition(service.name(), service.upstream(),
                    service.instances(), source, service.discovery().isPresent() ? (Object) discovery : null));
            releases.add(lease::release);
            services.put(service.name(), lease.service());
            if (service.discovery().isPresent()) {
                if (discovery == null) {
                    LOG.error("Service {} has no instances: its discovery source '{}' failed to start", service.name(), service.discovery().get());
                }
                else if (lease.isNew()) {
                    ComponentCatalog.Registration<DiscoveryFactory> registration = catalog.discovery(service.discovery().get()).orElseThrow();
                    lease.attach(discovery, registration.classLoader());
                }
            }
        }
        upstreams = UpstreamRegistry.view(services);
    }

    private void createBackends() {
        for (GatewayConfig.Service service : config.services().values()) {
            ComponentCatalog.Registration<BackendFactory> registration = catalog.backend(service.backend())
                    .orElseThrow(() -> service.block().error("backend", "unknown backend '" + service.backend() + "'"
                            + ConfigKeys.suggestion(service.backend(), catalog.backendNames()) + catalog.notLoadedNote()));
            HoconConfig backendConfig = registration.reference().validate(service.backendConfig(), "backends." + service.backend() + ".service");
            Backend backend = pooled("backend", service.name(), registration, backendConfig, "backend of service " + service.name());
            if (backend != null) {
                backends.put(service.name(), backend);
            }
        }
    }

    // --- filters

    private void createNamedFilters() {
        for (GatewayConfig.FilterDefinition definition : config.filters().values()) {
            namedFilters.put(definition.name(), createFilterStep(definition.type(), definition.config(),
                    "filter " + definition.name(), definition.name(), definition.name() + " (" + definition.type() + ")"));
        }
    }

    /** The step of one entry of a filters list; {@code place} tells inline filters of different places apart. */
    private FilterChain.Step filterStep(GatewayConfig.FilterUse use, String place) {
        if (use instanceof GatewayConfig.NamedFilter named) {
            return namedFilters.get(named.instance());
        }
        GatewayConfig.InlineFilter inline = (GatewayConfig.InlineFilter) use;
        return createFilterStep(inline.type(), inline.config(), place, inline.config().path(), inline.type());
    }

    private FilterChain.Step createFilterStep(String type, HoconConfig useConfig, String place, String configPath, String stepName) {
        ComponentCatalog.Registration<FilterFactory> registration = catalog.filter(type)
                .orElseThrow(() -> useConfig.error("unknown filter '" + type + "'"
                        + ConfigKeys.suggestion(type, union(catalog.filterNames(), config.filters().keySet())) + catalog.notLoadedNote()));
        HoconConfig filterConfig = registration.reference().validate(useConfig, "filters." + type);
        Filter filter = pooled("filter", place, registration, filterConfig, "filter " + stepName + " at " + configPath);
        if (filter == null) {
            // Never skip a filter that failed to start (it may be the authentication).
            return FilterChain.Step.filter(stepName, (exchange, chain) -> CompletableFuture.failedStage(
                    new GatewayException(ErrorCode.UNAVAILABLE, "filter '" + stepName + "' is unavailable")), registration.classLoader());
        }
        return FilterChain.Step.filter(stepName, filter, registration.classLoader());
    }

    // --- routes

    private RoutingTable<RouteTarget> createRoutes() {
        ServerSettings settings = platform.serverSettings();
        List<RoutingTable.Entry<RouteTarget>> entries = new ArrayList<>();
        for (GatewayConfig.Route route : config.routes()) {
            PathTemplate template;
            try {
                template = PathTemplate.parse(route.path());
            }
            catch (IllegalArgumentException e) {
                throw route.block().error("path", e.getMessage());
            }
            String place = placeOf(route);
            List<FilterChain.Step> steps = new ArrayList<>();
            for (int i = 0; i < route.filters().size(); i++) {
                steps.add(filterStep(route.filters().get(i), place + " filters[" + i + "]"));
            }
            FilterChain.Step terminal;
            ClassLoader targetLoader;
            if (route.target() instanceof GatewayConfig.ServiceTarget serviceTarget) {
                GatewayConfig.Service service = config.services().get(serviceTarget.name());
                ComponentCatalog.Registration<BackendFactory> registration = catalog.backend(service.backend()).orElseThrow();
                HoconConfig options = registration.reference().validate(
                        serviceTarget.config().named(service.name()), "backends." + service.backend() + ".route");
                Backend backend = backends.get(service.name());
                ExchangeHandler handler = backend == null ? null
                        : createOrNull(registration.plugin(), "route " + route.id() + " of backend " + service.backend(),
                        () -> ContextClassLoader.call(registration.classLoader(), () -> backend.forRoute(options)));
                terminal = FilterChain.Step.handler("backend", service.backend(),
                        handler != null ? handler : unavailable("service '" + service.name() + "'"), registration.classLoader());
                targetLoader = registration.classLoader();
            }
            else {
                GatewayConfig.EndpointTarget endpointTarget = (GatewayConfig.EndpointTarget) route.target();
                ComponentCatalog.Registration<EndpointFactory> registration = catalog.endpoint(endpointTarget.name())
                        .orElseThrow(() -> route.block().error("endpoint", "unknown endpoint '" + endpointTarget.name() + "'"
                                + ConfigKeys.suggestion(endpointTarget.name(), catalog.endpointNames()) + catalog.notLoadedNote()));
                HoconConfig endpointConfig = registration.reference().validate(endpointTarget.config(), "endpoints." + endpointTarget.name());
                Endpoint endpoint = pooled("endpoint", place, registration, endpointConfig, "endpoint of route " + route.id());
                terminal = FilterChain.Step.handler("endpoint", endpointTarget.name(),
                        endpoint != null ? endpoint : unavailable("endpoint '" + endpointTarget.name() + "'"), registration.classLoader());
                targetLoader = registration.classLoader();
            }
            RouteTarget target = new RouteTarget(route.id(), route.path(), route.target().name(),
                    FilterChain.of(steps, terminal, settings.errors()),
                    route.maxRequestBodySize(), route.maxBufferedBodySize(), route.minRequestDataRate(), route.minResponseDataRate(),
                    new RouteMetrics(platform.metrics(), route.id()), targetLoader);
            entries.add(new RoutingTable.Entry<>(route.id(), template, route.methods(), route.hosts(), route.headers(), target));
            if (number <= 1) {
                LOG.info("Route {}: {} {} → {}", route.id(), route.methods().isEmpty() ? "*" : String.join(",", route.methods()),
                        route.path(), String.join(" → ", target.chain().describe()));
            }
        }
        return RoutingTable.of(entries);
    }

    /**
     * What identifies a route across reloads, for the components it alone uses: its {@code id}
     * when it has one, else what it matches (its position would change when a route is added
     * before it).
     */
    private static String placeOf(GatewayConfig.Route route) {
        if (route.block().has("id")) {
            return "route " + route.id();
        }
        return "route " + route.path() + " " + route.methods() + " " + route.hosts() + " " + route.headers();
    }

    // --- components

    /**
     * The component of this kind, place and configuration: the live one when it is unchanged,
     * else a new one; null when creating it failed and its plugin is not required.
     */
    private <T extends AutoCloseable, F extends ComponentFactory<T>> T pooled(String kind, String place,
                                                                             ComponentCatalog.Registration<F> registration,
                                                                             HoconConfig componentConfig, String description) {
        LoadedPlugin plugin = registration.plugin();
        ConfigObject settings = settingsOf(plugin).config().root();
        ComponentPool.Key key = new ComponentPool.Key(kind, place, plugin.id(), registration.name(), componentConfig.config().root(), settings);
        ComponentPool.Lease<T> lease = platform.pool().reuse(key, upstreams, redis);
        if (lease != null) {
            reused++;
            releases.add(lease::release);
            return lease.component();
        }
        ComponentContext context = context(plugin);
        T component = createOrNull(registration, componentConfig, context);
        if (component == null) {
            context.close();
            return null;
        }
        created++;
        ComponentPool.Lease<T> added = platform.pool().add(key, component, context, registration.classLoader(), description);
        releases.add(added::release);
        return component;
    }

    /** Creates a component under its plugin's class loader; null when it failed and the plugin is not required. */
    private <T extends AutoCloseable, F extends ComponentFactory<T>> T createOrNull(ComponentCatalog.Registration<F> registration,
                                                                                    HoconConfig componentConfig, ComponentContext context) {
        return createOrNull(registration.plugin(), registration.kind() + " '" + registration.name() + "'",
                () -> registration.create(factory -> factory.create(componentConfig, context)));
    }

    private <T> T createOrNull(LoadedPlugin plugin, String description, Supplier<T> creation) {
        try {
            T component = creation.get();
            if (component == null) {
                throw new IllegalStateException(description + " of plugin " + plugin.id() + " created nothing (null)");
            }
            return component;
        }
        catch (InvalidConfigException e) {
            throw e;
        }
        catch (RuntimeException | LinkageError e) {
            GatewayConfig.PluginSettings settings = config.plugins().settingsOf(plugin.id());
            if (settings.required()) {
                throw new IllegalStateException(description + " of required plugin " + plugin.id() + " failed to start: " + e, e);
            }
            if (number > 1) {
                // A reload keeps the running configuration rather than swap in one that cannot serve.
                throw new IllegalStateException(description + " of plugin " + plugin.id() + " failed to start: " + e, e);
            }
            boolean optional = settings.optional();
            LOG.error("{} of plugin {} failed to start; its routes answer 503{}", description, plugin.id(),
                    optional ? "" : " and the gateway is not ready (gateway.plugins." + plugin.id() + ".optional = true keeps it ready)", e);
            String component = "failed." + plugin.id() + "." + description.replace(' ', '-').replace("'", "");
            String reason = description + " failed to start: " + e;
            HealthIndicator down = new HealthIndicator() {
                @Override
                public Health check() {
                    return optional ? new Health(Health.Status.DEGRADED, Map.of("error", reason)) : Health.down(reason);
                }

                @Override
                public boolean critical() {
                    return !optional;
                }
            };
            platform.health().register(component, down);
            releases.add(() -> platform.health().unregister(component, down));
            return null;
        }
    }

    private static ExchangeHandler unavailable(String what) {
        return exchange -> CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAVAILABLE, what + " is unavailable"));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> result = new TreeSet<>(a);
        result.addAll(b);
        return result;
    }
}
