package dev.tollgate.plugin.ratelimit;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/** The rate-limit plugin: one filter, {@code rate-limit}. Registered in {@code META-INF/services/dev.tollgate.api.Plugin}. */
public final class RateLimitPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new RateLimitFilter.Factory());
    }
}
