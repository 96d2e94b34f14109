package dev.tollgate.runtime.testing;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.upstream.Discovery;
import dev.tollgate.api.upstream.DiscoveryFactory;
import dev.tollgate.api.upstream.ServiceInstance;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A discovery source whose instances the test sets with {@link #publish}; named {@code test-discovery}. */
public final class TestDiscovery implements DiscoveryFactory {
    private static final Map<String, List<ServiceInstance>> INSTANCES = new ConcurrentHashMap<>();
    private static final Map<String, List<Consumer<List<ServiceInstance>>>> WATCHERS = new ConcurrentHashMap<>();

    /** Sets a service's instances and tells every watcher, as a registry would. */
    public static void publish(String service, List<ServiceInstance> instances) {
        INSTANCES.put(service, List.copyOf(instances));
        WATCHERS.getOrDefault(service, List.of()).forEach(watcher -> watcher.accept(List.copyOf(instances)));
    }

    @Override
    public String name() {
        return "test-discovery";
    }

    @Override
    public Discovery create(PluginConfig config, PluginContext context) {
        return (service, listener) -> {
            WATCHERS.computeIfAbsent(service, key -> new CopyOnWriteArrayList<>()).add(listener);
            listener.accept(INSTANCES.getOrDefault(service, List.of()));
            return () -> WATCHERS.getOrDefault(service, List.of()).remove(listener);
        };
    }
}
