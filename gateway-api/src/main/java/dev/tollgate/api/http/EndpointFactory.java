package dev.tollgate.api.http;

import dev.tollgate.api.ComponentFactory;

/**
 * Creates an {@link Endpoint} for each route that names it, with the route's endpoint block
 * merged over the plugin's {@code reference.conf} section {@code tollgate.endpoints.<name>}.
 */
public interface EndpointFactory extends ComponentFactory<Endpoint> {
}
