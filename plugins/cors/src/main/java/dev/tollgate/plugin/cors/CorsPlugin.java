package dev.tollgate.plugin.cors;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/** The cors plugin: one filter, {@code cors}. Registered in {@code META-INF/services/dev.tollgate.api.Plugin}. */
public final class CorsPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new CorsFilter.Factory());
    }
}
