package dev.tollgate.plugin.securityheaders;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/**
 * The security-headers plugin: one filter, {@code security-headers}. Registered in
 * {@code META-INF/services/dev.tollgate.api.Plugin}.
 */
public final class SecurityHeadersPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new SecurityHeadersFilter.Factory());
    }
}
