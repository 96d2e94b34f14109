package dev.tollgate.plugin.example;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/**
 * The example plugin: registered in {@code META-INF/services/dev.tollgate.api.Plugin}, it offers
 * one filter and one endpoint and inherits empty lists for the other extension points.
 */
public final class ExamplePlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new ResponseHeadersFilter.Factory());
    }

    @Override
    public Iterable<EndpointFactory> endpointFactories() {
        return List.of(new EchoEndpoint.Factory());
    }
}
