package dev.tollgate.api;

import dev.tollgate.api.event.EventBridgeFactory;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.upstream.DiscoveryFactory;

import java.util.List;

/**
 * The entry point of a plugin: the one type a plugin jar registers in
 * {@code META-INF/services/dev.tollgate.api.Plugin}.
 *
 * <p>A plugin offers factories for the extension points it implements and inherits empty
 * lists for the others. A new extension point is a new default method, so plugins built
 * against an older minor version keep loading.
 *
 * <p>The runtime instantiates the plugin once, with its public no-argument constructor, in the
 * plugin's own class loader, and calls these getters once at start-up. They must be cheap and
 * must not start anything; work starts in a factory's {@code create}.
 *
 * <p>Factory names are global: two plugins offering a filter of the same name is a start-up
 * error naming both.
 */
public interface Plugin {

    /** Filters for route filter chains (authentication, rate limiting, transforms…). */
    default Iterable<FilterFactory> filterFactories() {
        return List.of();
    }

    /** Backends that serve the services a route names ({@code backend = http}, {@code grpc}…). */
    default Iterable<BackendFactory> backendFactories() {
        return List.of();
    }

    /** Endpoints that answer routes themselves, such as the WebSocket hub or an SSE stream. */
    default Iterable<EndpointFactory> endpointFactories() {
        return List.of();
    }

    /** Event buses that replace the runtime's in-memory one ({@code gateway.events.bridge}). */
    default Iterable<EventBridgeFactory> eventBridgeFactories() {
        return List.of();
    }

    /** Sources of service instances besides static configuration. */
    default Iterable<DiscoveryFactory> discoveryFactories() {
        return List.of();
    }
}
