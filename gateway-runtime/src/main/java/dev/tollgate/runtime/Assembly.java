package dev.tollgate.runtime;

import dev.tollgate.api.ComponentFactory;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.upstream.Discovery;
import dev.tollgate.api.upstream.DiscoveryFactory;
import dev.tollgate.runtime.chain.FilterChain;
import dev.tollgate.runtime.config.ConfigKeys;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.config.HoconConfig;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.plugin.ComponentCatalog;
import dev.tollgate.runtime.plugin.ContextClassLoader;
import dev.tollgate.runtime.plugin.LoadedPlugin;
import dev.tollgate.runtime.plugin.RuntimePluginContext;
import dev.tollgate.runtime.route.PathTemplate;
import dev.tollgate.runtime.route.RoutingTable;
import dev.tollgate.runtime.server.RouteMetrics;
import dev.tollgate.runtime.server.RouteTarget;
import dev.tollgate.runtime.upstream.UpstreamRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * Turns configuration and the loaded plugins into running components: the event bus, a
 * backend per service, and for each route its filters and backend handler or endpoint, chained
 * and put in the routing table.
 *
 * <p>Configuration mistakes (an unknown filter name, a bad plugin setting) stop start-up. A
 * component whose {@code create} throws anything else is reported and replaced by one that
 * answers 503 for its routes — unless its plugin is {@code required}, which stops start-up —
 * so one broken plugin does not take the gateway down and never lets a request skip a filter.
 */
final class Assembly implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Assembly.class);

    private final List<Closeable> closeables = new ArrayList<>();
    private final Map<String, RuntimePluginContext> contexts = new LinkedHashMap<>();
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private final GatewayConfig config;
    private final ComponentCatalog catalog;
    private final Services services;
    private volatile EventBus eventBus;
    private volatile UpstreamRegistry upstreams;
    private RoutingTable<RouteTarget> routes;

    /** What the runtime lends to plugins. */
    record Services(GatewayMetrics metrics, HealthRegistry health, ScheduledExecutorService scheduler,
                    Executor blockingExecutor, Clock clock) {
    }

    private Assembly(GatewayConfig config, ComponentCatalog catalog, Services services) {
        this.config = config;
        this.catalog = catalog;
        this.services = services;
    }

    /**
     * Builds every component; on failure closes what was built and rethrows.
     *
     * @throws InvalidConfigException for a configuration mistake
     * @throws IllegalStateException when a required plugin's component fails
     */
    static Assembly build(GatewayConfig config, ComponentCatalog catalog, Services services) {
        Assembly assembly = new Assembly(config, catalog, services);
        try {
            assembly.createContexts();
            assembly.createEventBus();
            assembly.createUpstreams();
            assembly.createBackends();
            assembly.createRoutes();
            return assembly;
        }
        catch (RuntimeException e) {
            assembly.close();
            throw e;
        }
    }

    RoutingTable<RouteTarget> routes() {
        return routes;
    }

    EventBus eventBus() {
        return eventBus;
    }

    private void createContexts() {
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
            if (!plugin.isLoaded()) {
                continue;
            }
            GatewayConfig.PluginSettings settings = config.plugins().settingsOf(plugin.id());
            HoconConfig validated = catalog.reference(plugin.id()).validate(settings.config(), "plugins." + plugin.id());
            contexts.put(plugin.id(), new RuntimePluginContext(plugin.id(), validated, plugin.classLoader(), services.metrics(),
                    services.scheduler(), services.blockingExecutor(), () -> eventBus, () -> upstreams, services.clock(),
                    config.dataDirectory(), services.health(), config.redis()));
        }
        config.redis().byName().values().forEach(redis -> LOG.info("Redis connection {}", redis));
    }

    private void createEventBus() {
        GatewayConfig.Events events = config.events();
        if (events.isLocal()) {
            eventBus = new InMemoryEventBus(events.localHistory(), services.clock());
            services.health().register("events", () -> Health.up(Map.of("bridge", "local")));
            closeables.add(new Closeable("event bus health", null, () -> services.health().unregister("events")));
            return;
        }
        ComponentCatalog.Registration<dev.tollgate.api.event.EventBridgeFactory> registration = catalog.bridge(events.bridge())
                .orElseThrow(() -> new InvalidConfigException("gateway.events.bridge", "",
                        "unknown event bridge '" + events.bridge() + "'" + ConfigKeys.suggestion(events.bridge(),
                                union(Set.of("local"), catalog.bridgeNames())) + catalog.notLoadedNote()));
        HoconConfig bridgeConfig = registration.reference().validate(events.config(), "bridges." + events.bridge());
        EventBridge bridge = create(registration, bridgeConfig);
        if (bridge == null) {
            LOG.error("Falling back to the in-memory event bus: events will not cross gateway instances");
            eventBus = new InMemoryEventBus();
            return;
        }
        eventBus = bridge;
        closeables.add(new Closeable("event bridge " + events.bridge(), registration.classLoader(), bridge::close));
        HealthIndicator indicator = bridge.health();
        services.health().register("events", () -> ContextClassLoader.call(registration.classLoader(), indicator::check));
        closeables.add(new Closeable("event bus health", null, () -> services.health().unregister("events")));
    }

    /** The registry of services, and the discovery sources that feed it. */
    private void createUpstreams() {
        List<UpstreamRegistry.Definition> definitions = new ArrayList<>();
        for (GatewayConfig.Service service : config.services().values()) {
            String source = service.discovery().map(name -> "discovery '" + name + "'").orElse("configuration");
            definitions.add(new UpstreamRegistry.Definition(service.name(), service.upstream(), service.instances(), source));
        }
        UpstreamRegistry registry = new UpstreamRegistry(definitions, services.metrics(), services.health(),
                services.scheduler(), services.blockingExecutor());
        upstreams = registry;
        closeables.add(new Closeable("upstream registry", null, registry::close));

        Map<String, Discovery> discoveries = new LinkedHashMap<>();
        for (GatewayConfig.Service service : config.services().values()) {
            if (service.discovery().isEmpty()) {
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
            if (!discoveries.containsKey(name)) {
                HoconConfig discoveryConfig = registration.reference().validate(config.discovery().get(name), "discovery." + name);
                Discovery discovery = create(registration, discoveryConfig);
                discoveries.put(name, discovery);
                if (discovery != null) {
                    closeables.add(new Closeable("discovery " + name, registration.classLoader(), discovery::close));
                }
            }
            Discovery discovery = discoveries.get(name);
            if (discovery == null) {
                LOG.error("Service {} has no instances: its discovery source '{}' failed to start", service.name(), name);
                continue;
            }
            registry.attach(service.name(), discovery, registration.classLoader());
        }
    }

    private void createBackends() {
        for (GatewayConfig.Service service : config.services().values()) {
            ComponentCatalog.Registration<dev.tollgate.api.http.BackendFactory> registration = catalog.backend(service.backend())
                    .orElseThrow(() -> service.block().error("backend", "unknown backend '" + service.backend() + "'"
                            + ConfigKeys.suggestion(service.backend(), catalog.backendNames()) + catalog.notLoadedNote()));
            HoconConfig backendConfig = registration.reference().validate(service.backendConfig(), "backends." + service.backend() + ".service");
            Backend backend = create(registration, backendConfig);
            if (backend != null) {
                backends.put(service.name(), backend);
                closeables.add(new Closeable("backend of service " + service.name(), registration.classLoader(), backend::close));
            }
        }
    }

    private void createRoutes() {
        List<RoutingTable.Entry<RouteTarget>> entries = new ArrayList<>();
        for (GatewayConfig.Route route : config.routes()) {
            PathTemplate template;
            try {
                template = PathTemplate.parse(route.path());
            }
            catch (IllegalArgumentException e) {
                throw route.block().error("path", e.getMessage());
            }
            List<FilterChain.Step> steps = new ArrayList<>();
            for (GatewayConfig.Component use : route.filters()) {
                steps.add(filterStep(use));
            }
            FilterChain.Step terminal;
            ClassLoader targetLoader;
            if (route.target() instanceof GatewayConfig.ServiceTarget serviceTarget) {
                GatewayConfig.Service service = config.services().get(serviceTarget.name());
                ComponentCatalog.Registration<dev.tollgate.api.http.BackendFactory> registration = catalog.backend(service.backend()).orElseThrow();
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
                ComponentCatalog.Registration<dev.tollgate.api.http.EndpointFactory> registration = catalog.endpoint(endpointTarget.name())
                        .orElseThrow(() -> route.block().error("endpoint", "unknown endpoint '" + endpointTarget.name() + "'"
                                + ConfigKeys.suggestion(endpointTarget.name(), catalog.endpointNames()) + catalog.notLoadedNote()));
                HoconConfig endpointConfig = registration.reference().validate(endpointTarget.config(), "endpoints." + endpointTarget.name());
                Endpoint endpoint = create(registration, endpointConfig);
                if (endpoint != null) {
                    closeables.add(new Closeable("endpoint of route " + route.id(), registration.classLoader(), endpoint::close));
                }
                terminal = FilterChain.Step.handler("endpoint", endpointTarget.name(),
                        endpoint != null ? endpoint : unavailable("endpoint '" + endpointTarget.name() + "'"), registration.classLoader());
                targetLoader = registration.classLoader();
            }
            RouteTarget target = new RouteTarget(route.id(), route.path(), route.target().name(), FilterChain.of(steps, terminal),
                    route.maxRequestBodySize(), route.maxBufferedBodySize(), route.minRequestDataRate(), route.minResponseDataRate(),
                    new RouteMetrics(services.metrics(), route.id()), targetLoader);
            entries.add(new RoutingTable.Entry<>(route.id(), template, route.methods(), route.hosts(), route.headers(), target));
            LOG.info("Route {}: {} {} → {}", route.id(), route.methods().isEmpty() ? "*" : String.join(",", route.methods()),
                    route.path(), String.join(" → ", target.chain().describe()));
        }
        routes = RoutingTable.of(entries);
    }

    private FilterChain.Step filterStep(GatewayConfig.Component use) {
        ComponentCatalog.Registration<dev.tollgate.api.http.FilterFactory> registration = catalog.filter(use.name())
                .orElseThrow(() -> use.config().error("unknown filter '" + use.name() + "'"
                        + ConfigKeys.suggestion(use.name(), catalog.filterNames()) + catalog.notLoadedNote()));
        HoconConfig filterConfig = registration.reference().validate(use.config(), "filters." + use.name());
        Filter filter = create(registration, filterConfig);
        if (filter == null) {
            // Never skip a filter that failed to start (it may be the authentication).
            String name = use.name();
            return FilterChain.Step.filter(name, (exchange, chain) -> CompletableFuture.failedStage(
                    new GatewayException(ErrorCode.UNAVAILABLE, "filter '" + name + "' is unavailable")), registration.classLoader());
        }
        closeables.add(new Closeable("filter " + use.name(), registration.classLoader(), filter::close));
        return FilterChain.Step.filter(use.name(), filter, registration.classLoader());
    }

    /** Creates a component under its plugin's class loader and context; null when it failed and the plugin is not required. */
    private <T extends AutoCloseable, F extends ComponentFactory<T>> T create(ComponentCatalog.Registration<F> registration, PluginConfig componentConfig) {
        RuntimePluginContext context = contexts.get(registration.plugin().id());
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
            if (config.plugins().settingsOf(plugin.id()).required()) {
                throw new IllegalStateException(description + " of required plugin " + plugin.id() + " failed to start: " + e, e);
            }
            LOG.error("{} of plugin {} failed to start; its routes answer 503", description, plugin.id(), e);
            String component = "failed." + plugin.id() + "." + description.replace(' ', '-').replace("'", "");
            services.health().register(component, () -> Health.down(description + " failed to start: " + e));
            closeables.add(new Closeable("health " + component, null, () -> services.health().unregister(component)));
            return null;
        }
    }

    private static ExchangeHandler unavailable(String what) {
        return exchange -> CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAVAILABLE, what + " is unavailable"));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> result = new java.util.TreeSet<>(a);
        result.addAll(b);
        return result;
    }

    /** Closes components in the reverse order of creation; failures are logged, not thrown. */
    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            Closeable closeable = closeables.get(i);
            try {
                if (closeable.loader() != null) {
                    ContextClassLoader.run(closeable.loader(), () -> {
                        try {
                            closeable.action().close();
                        }
                        catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
                else {
                    closeable.action().close();
                }
            }
            catch (Exception e) {
                LOG.warn("Closing the {} failed", closeable.description(), e);
            }
        }
        closeables.clear();
        contexts.values().forEach(RuntimePluginContext::unregisterHealth);
    }

    private record Closeable(String description, ClassLoader loader, AutoCloseable action) {
    }
}
