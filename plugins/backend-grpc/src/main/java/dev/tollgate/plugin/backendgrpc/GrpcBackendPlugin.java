package dev.tollgate.plugin.backendgrpc;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.plugin.backendgrpc.internal.GrpcBackendFactory;

import java.util.List;

/**
 * The gRPC backend plugin: registered in {@code META-INF/services/dev.tollgate.api.Plugin}, it
 * offers one backend, {@code grpc}, which services select with {@code backend = grpc}: HTTP/JSON
 * requests transcoded to gRPC calls and their answers back to JSON.
 */
public final class GrpcBackendPlugin implements Plugin {
    private final GrpcBackendFactory factory = new GrpcBackendFactory();

    @Override
    public Iterable<BackendFactory> backendFactories() {
        return List.of(factory);
    }
}
