package dev.tollgate.plugin.authservice;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.plugin.authservice.internal.AuthServiceBackendFactory;
import dev.tollgate.plugin.authservice.internal.AuthServiceFilterFactory;

import java.util.List;

/**
 * The auth-service plugin: the {@code auth-service} filter, and the {@code auth-service} backend
 * that a service used only by the filter may name. Registered in
 * {@code META-INF/services/dev.tollgate.api.Plugin}.
 */
public final class AuthServicePlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new AuthServiceFilterFactory());
    }

    @Override
    public Iterable<BackendFactory> backendFactories() {
        return List.of(new AuthServiceBackendFactory());
    }
}
