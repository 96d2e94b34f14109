package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.plugin.websockethub.internal.HubEndpointFactory;

import java.util.List;

/**
 * The WebSocket hub plugin: one endpoint, {@code hub}, that delivers the gateway's event-bus
 * channels to subscribed WebSocket clients.
 *
 * <p>Registered in {@code META-INF/services/dev.tollgate.api.Plugin}. The runtime calls
 * {@link #endpointFactories()} once; the one factory it returns creates an endpoint for each route
 * naming {@code hub}, and those endpoints share one hub (connections, channels, limits) per
 * gateway.
 */
public final class WebSocketHubPlugin implements Plugin {
    private final HubEndpointFactory hub = new HubEndpointFactory();

    @Override
    public Iterable<EndpointFactory> endpointFactories() {
        return List.of(hub);
    }
}
