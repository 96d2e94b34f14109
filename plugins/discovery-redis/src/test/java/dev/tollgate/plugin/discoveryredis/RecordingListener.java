package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.upstream.ServiceInstance;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Keeps every list a discovery delivered, for tests to await on. */
final class RecordingListener implements Consumer<List<ServiceInstance>> {
    private final List<List<ServiceInstance>> deliveries = new CopyOnWriteArrayList<>();

    @Override
    public void accept(List<ServiceInstance> instances) {
        deliveries.add(instances);
    }

    /** Every delivery so far, oldest first. */
    List<List<ServiceInstance>> deliveries() {
        return List.copyOf(deliveries);
    }

    /** Whether anything was delivered yet. */
    boolean delivered() {
        return !deliveries.isEmpty();
    }

    /** The ids of the last delivered list; empty before the first delivery. */
    List<String> latestIds() {
        return latest().stream().map(ServiceInstance::id).toList();
    }

    /** The last delivered list; empty before the first delivery. */
    List<ServiceInstance> latest() {
        return deliveries.isEmpty() ? List.of() : deliveries.get(deliveries.size() - 1);
    }
}
