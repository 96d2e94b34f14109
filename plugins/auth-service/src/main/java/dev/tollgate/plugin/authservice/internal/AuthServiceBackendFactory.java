package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.upstream.ServiceInstance;

/**
 * The {@code auth-service} backend: what a service used only by the {@code auth-service} filter
 * names ({@code services.auth { backend = auth-service, instances = ["grpc://…"] }}), since the
 * runtime wants a backend for every service. It holds nothing (the filter calls the instances
 * through the upstream registry) and refuses to be the target of a route: a route to the
 * authentication service would let clients call it directly.
 */
public final class AuthServiceBackendFactory implements BackendFactory {

    @Override
    public String name() {
        return AuthServiceFilterFactory.NAME;
    }

    @Override
    public Backend create(PluginConfig config, PluginContext context) {
        for (ServiceInstance instance : context.upstreams().service(config.name()).instances()) {
            try {
                AuthChannels.checkAddress(config.name(), instance);
            }
            catch (IllegalArgumentException e) {
                throw config.error("backend", e.getMessage());
            }
        }
        return routeOptions -> {
            throw routeOptions.error("name", "service '" + config.name() + "' has backend = auth-service: it serves the auth-service"
                    + " filter and takes no route (route to it with backend = grpc if clients must reach it)");
        };
    }
}
