package dev.tollgate.plugin.authjwt;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/** The auth-jwt plugin: one filter, {@code jwt}. Registered in {@code META-INF/services/dev.tollgate.api.Plugin}. */
public final class JwtPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new JwtFilter.Factory());
    }
}
