package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.EndpointFactory;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Creates the {@code hub} endpoint of each route that names it. The endpoints created with one
 * {@link PluginContext} (one gateway, or one configuration generation) share one {@link Hub},
 * created from the plugin-wide settings with the first endpoint and closed with the last.
 *
 * <p>Thread-safe: {@code create} and the endpoints' {@code close} synchronise on the factory
 * (start-up and shutdown only, never the request path).
 */
public final class HubEndpointFactory implements EndpointFactory {
    private final Map<PluginContext, SharedHub> hubs = new IdentityHashMap<>();

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
        Hub hub = acquire(context);
        if (route.webSocket().maxQueuedBytes() > hub.settings().queueBudget()) {
            release(context);
            throw config.error("max-queued-bytes", "must not exceed gateway.plugins." + context.pluginId()
                    + ".queue-budget (" + hub.settings().queueBudget() + " bytes)");
        }
        hub.capacity().routeAdded(route.webSocket().maxQueuedBytes());
        return new HubEndpoint(hub, route, () -> {
            hub.capacity().routeRemoved(route.webSocket().maxQueuedBytes());
            release(context);
        });
    }

    private synchronized Hub acquire(PluginContext context) {
        SharedHub shared = hubs.get(context);
        if (shared == null) {
            shared = new SharedHub(new Hub(HubSettings.from(context.settings()), context));
            hubs.put(context, shared);
        }
        shared.users++;
        return shared.hub;
    }

    private synchronized void release(PluginContext context) {
        SharedHub shared = hubs.get(context);
        if (shared != null && --shared.users == 0) {
            hubs.remove(context);
            shared.hub.close();
        }
    }

    /** A hub and how many endpoints use it; guarded by the factory. */
    private static final class SharedHub {
        private final Hub hub;
        private int users;

        SharedHub(Hub hub) {
            this.hub = hub;
        }
    }
}
