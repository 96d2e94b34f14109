package dev.tollgate.plugin.compat;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/**
 * A plugin compiled against the released SPI 1.1 and kept as a binary: the gateway must go on
 * loading it for as long as it runs API 1.x. Do not edit it to follow the current API; it
 * stands for a third party's jar that nobody rebuilds.
 */
public final class CompatPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new CompatHeaderFilter.Factory());
    }

    @Override
    public Iterable<EndpointFactory> endpointFactories() {
        return List.of(new GreetingEndpoint.Factory());
    }
}
