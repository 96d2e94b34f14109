package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.EndpointFactory;

/**
 * Creates the {@code hub} endpoint of each route that names it. Every endpoint of the plugin
 * shares one {@link Hub} — its connections, channels and presence — as a plugin-wide resource
 * ({@link PluginContext#shared}) keyed on the plugin-wide settings: the hub lives while some
 * route uses it, and a configuration reload that leaves those settings alone keeps it, with
 * every connection on the routes that did not change.
 */
public final class HubEndpointFactory implements EndpointFactory {

    @Override
    public String name() {
        return "hub";
    }

    /**
     * @throws dev.tollgate.api.InvalidConfigException for a bad route setting, a bad plugin-wide
     *         setting (reported with the first route), or a route whose queue exceeds the budget
     */
    @Override
    public Endpoint create(PluginConfig config, PluginContext context) {
        RouteSettings route = RouteSettings.from(config);
        Hub hub = context.shared(new HubKey(context.settings().unwrapped()),
                () -> new Hub(HubSettings.from(context.settings()), context));
        if (route.webSocket().maxQueuedBytes() > hub.settings().queueBudget()) {
            throw config.error("max-queued-bytes", "must not exceed gateway.plugins." + context.pluginId()
                    + ".queue-budget (" + hub.settings().queueBudget() + " bytes)");
        }
        long reservation = HubEndpoint.queueReservation(hub.settings(), route);
        hub.capacity().routeAdded(reservation);
        return new HubEndpoint(hub, route, () -> hub.capacity().routeRemoved(reservation));
    }

    /** What the shared hub is keyed on: the plugin-wide settings as written (equal values, one hub). */
    private record HubKey(java.util.Map<String, Object> settings) {
    }
}
