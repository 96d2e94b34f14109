package dev.tollgate.plugin.backendhttp;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.plugin.backendhttp.internal.HttpBackendFactory;

import java.util.List;

/**
 * The HTTP backend plugin: registered in {@code META-INF/services/dev.tollgate.api.Plugin}, it
 * offers one backend, {@code http}, a streaming reverse proxy that services select with
 * {@code backend = http}.
 *
 * <p>The runtime instantiates it once; the factory it hands out starts nothing until a service
 * is created, and shares one client thread pool among every service it serves.
 */
public final class HttpBackendPlugin implements Plugin {
    private final HttpBackendFactory factory = new HttpBackendFactory();

    @Override
    public Iterable<BackendFactory> backendFactories() {
        return List.of(factory);
    }
}
