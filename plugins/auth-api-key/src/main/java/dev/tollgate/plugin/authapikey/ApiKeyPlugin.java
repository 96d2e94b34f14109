package dev.tollgate.plugin.authapikey;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/** The auth-api-key plugin: one filter, {@code api-key}. Registered in {@code META-INF/services/dev.tollgate.api.Plugin}. */
public final class ApiKeyPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new ApiKeyFilter.Factory());
    }
}
