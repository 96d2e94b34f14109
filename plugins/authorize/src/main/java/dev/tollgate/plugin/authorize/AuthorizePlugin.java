package dev.tollgate.plugin.authorize;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/** The authorize plugin: one filter, {@code authorize}. Registered in {@code META-INF/services/dev.tollgate.api.Plugin}. */
public final class AuthorizePlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new AuthorizeFilter.Factory());
    }
}
