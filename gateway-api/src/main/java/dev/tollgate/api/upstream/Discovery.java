package dev.tollgate.api.upstream;

import dev.tollgate.api.event.Subscription;

import java.util.List;
import java.util.function.Consumer;

/**
 * A source of service instances, such as a Redis registry. A service uses it with
 * {@code discovery = <name>} (or {@code discovery = { name = …, … }}) instead of a static
 * {@code instances} list.
 */
public interface Discovery extends AutoCloseable {

    /**
     * Watches a service's instances: {@code listener} receives the complete current list now
     * (possibly empty) and again after every change. Called on the discovery's own thread;
     * must not block.
     */
    Subscription watch(String service, Consumer<List<ServiceInstance>> listener);

    /** Stops watching everything. */
    @Override
    default void close() {
    }
}
