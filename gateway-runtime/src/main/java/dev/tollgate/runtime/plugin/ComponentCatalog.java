package dev.tollgate.runtime.plugin;

import dev.tollgate.api.ComponentFactory;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.event.EventBridgeFactory;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.upstream.DiscoveryFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Every component factory the loaded plugins offer, by extension point and name. Names are
 * global per extension point: two plugins offering the same name is an installation error
 * naming both.
 */
public final class ComponentCatalog {
    private final Map<String, Registration<FilterFactory>> filters;
    private final Map<String, Registration<BackendFactory>> backends;
    private final Map<String, Registration<EndpointFactory>> endpoints;
    private final Map<String, Registration<EventBridgeFactory>> bridges;
    private final Map<String, Registration<DiscoveryFactory>> discoveries;
    private final List<LoadedPlugin> plugins;
    private final Map<String, PluginReference> references;

    private ComponentCatalog(List<LoadedPlugin> plugins, Map<String, PluginReference> references,
                             Map<String, Registration<FilterFactory>> filters,
                             Map<String, Registration<BackendFactory>> backends,
                             Map<String, Registration<EndpointFactory>> endpoints,
                             Map<String, Registration<EventBridgeFactory>> bridges,
                             Map<String, Registration<DiscoveryFactory>> discoveries) {
        this.plugins = List.copyOf(plugins);
        this.references = Map.copyOf(references);
        this.filters = Collections.unmodifiableMap(filters);
        this.backends = Collections.unmodifiableMap(backends);
        this.endpoints = Collections.unmodifiableMap(endpoints);
        this.bridges = Collections.unmodifiableMap(bridges);
        this.discoveries = Collections.unmodifiableMap(discoveries);
    }

    /**
     * Collects the factories of every loaded plugin, calling its getters under its class loader.
     *
     * @throws IllegalStateException when two plugins offer a component of the same kind and name
     */
    public static ComponentCatalog of(List<LoadedPlugin> plugins) {
        return collectAll(plugins, new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(),
                new LinkedHashMap<>(), new LinkedHashMap<>(), plugins);
    }

    /**
     * This catalog with the factories of plugins loaded since (a reload found new jars). The
     * plugins already here are not asked for their factories again.
     *
     * @throws IllegalStateException when a new plugin offers a component name already taken
     */
    public ComponentCatalog with(List<LoadedPlugin> added) {
        List<LoadedPlugin> all = new java.util.ArrayList<>(plugins);
        all.addAll(added);
        return collectAll(added, new LinkedHashMap<>(filters), new LinkedHashMap<>(backends), new LinkedHashMap<>(endpoints),
                new LinkedHashMap<>(bridges), new LinkedHashMap<>(discoveries), new LinkedHashMap<>(references), all);
    }

    private static ComponentCatalog collectAll(List<LoadedPlugin> plugins,
                                               Map<String, Registration<FilterFactory>> filters,
                                               Map<String, Registration<BackendFactory>> backends,
                                               Map<String, Registration<EndpointFactory>> endpoints,
                                               Map<String, Registration<EventBridgeFactory>> bridges,
                                               Map<String, Registration<DiscoveryFactory>> discoveries,
                                               Map<String, PluginReference> references,
                                               List<LoadedPlugin> all) {
        for (LoadedPlugin loaded : plugins) {
            if (!loaded.isLoaded()) {
                continue;
            }
            PluginReference reference = PluginReference.load(loaded.classLoader(), loaded.source());
            references.put(loaded.id(), reference);
            for (Plugin plugin : loaded.plugins()) {
                ContextClassLoader.run(loaded.classLoader(), () -> {
                    collect("filter", plugin.filterFactories(), loaded, reference, filters);
                    collect("backend", plugin.backendFactories(), loaded, reference, backends);
                    collect("endpoint", plugin.endpointFactories(), loaded, reference, endpoints);
                    collect("event bridge", plugin.eventBridgeFactories(), loaded, reference, bridges);
                    collect("discovery", plugin.discoveryFactories(), loaded, reference, discoveries);
                });
            }
        }
        return new ComponentCatalog(all, references, filters, backends, endpoints, bridges, discoveries);
    }

    private static <F extends ComponentFactory<?>> void collect(String kind, Iterable<F> factories, LoadedPlugin plugin,
                                                              PluginReference reference, Map<String, Registration<F>> target) {
        if (factories == null) {
            return;
        }
        for (F factory : factories) {
            String name = requireNonNull(factory.name(), () -> kind + " factory " + factory.getClass().getName() + " has no name");
            Registration<F> existing = target.putIfAbsent(name, new Registration<>(kind, name, factory, plugin, reference));
            if (existing != null) {
                throw new IllegalStateException("the " + kind + " '" + name + "' is offered by both plugin '"
                        + existing.plugin().id() + "' (" + existing.plugin().source() + ") and plugin '" + plugin.id()
                        + "' (" + plugin.source() + "); remove one of them");
            }
        }
    }

    public Optional<Registration<FilterFactory>> filter(String name) {
        return Optional.ofNullable(filters.get(name));
    }

    public Optional<Registration<BackendFactory>> backend(String name) {
        return Optional.ofNullable(backends.get(name));
    }

    public Optional<Registration<EndpointFactory>> endpoint(String name) {
        return Optional.ofNullable(endpoints.get(name));
    }

    public Optional<Registration<EventBridgeFactory>> bridge(String name) {
        return Optional.ofNullable(bridges.get(name));
    }

    public Optional<Registration<DiscoveryFactory>> discovery(String name) {
        return Optional.ofNullable(discoveries.get(name));
    }

    public Set<String> filterNames() {
        return new TreeSet<>(filters.keySet());
    }

    public Set<String> backendNames() {
        return new TreeSet<>(backends.keySet());
    }

    public Set<String> endpointNames() {
        return new TreeSet<>(endpoints.keySet());
    }

    public Set<String> bridgeNames() {
        return new TreeSet<>(bridges.keySet());
    }

    public Set<String> discoveryNames() {
        return new TreeSet<>(discoveries.keySet());
    }

    /** Every plugin found, loaded or not. */
    public List<LoadedPlugin> plugins() {
        return plugins;
    }

    /** The reference of a loaded plugin. */
    public PluginReference reference(String pluginId) {
        return references.getOrDefault(pluginId, PluginReference.empty());
    }

    /** A note for "unknown component" errors about plugins that did not load, which may have offered it. */
    public String notLoadedNote() {
        List<String> notLoaded = plugins.stream().filter(plugin -> !plugin.isLoaded())
                .map(plugin -> plugin.id() + " (" + plugin.status().label() + ": " + plugin.reason() + ")").toList();
        return notLoaded.isEmpty() ? "" : "; plugins not loaded: " + String.join("; ", notLoaded);
    }

    /**
     * A factory with the plugin that offers it.
     *
     * @param kind {@code filter}, {@code backend}… for messages
     */
    public record Registration<F extends ComponentFactory<?>>(String kind, String name, F factory, LoadedPlugin plugin,
                                                           PluginReference reference) {
        public ClassLoader classLoader() {
            return plugin.classLoader();
        }

        /** Calls {@code create} under the plugin's class loader. */
        public <T> T create(Function<F, T> creation) {
            return ContextClassLoader.call(plugin.classLoader(), () -> creation.apply(factory));
        }
    }
}
