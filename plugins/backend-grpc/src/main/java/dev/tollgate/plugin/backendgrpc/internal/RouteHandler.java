package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;

import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The grpc backend's handler for one route: each exchange becomes a {@link GrpcWebCall} when its
 * Content-Type is gRPC-Web's, else a {@link GrpcCall} (HTTP/JSON transcoding), with the route's
 * options. Stateless, shared by every exchange of the route.
 */
final class RouteHandler implements ExchangeHandler {
    private final GrpcBackend backend;
    private final RouteSettings settings;

    RouteHandler(GrpcBackend backend, RouteSettings settings) {
        this.backend = requireNonNull(backend, "backend is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    /**
     * Transcodes the exchange. The stage completes once the answer's status, headers and body
     * publisher are on the response, or fails with the gateway error to answer (404 no method,
     * 400 unreadable request, 502/503/504 no answer); a gRPC-Web call never fails, its errors are
     * answered as gRPC-Web trailers.
     */
    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        GrpcWebCodec grpcWeb = GrpcWebCodec.forContentType(exchange.request().headers().get("Content-Type"));
        return grpcWeb != null ? new GrpcWebCall(backend, settings, exchange, grpcWeb).start()
                : new GrpcCall(backend, settings, exchange).start();
    }

    @Override
    public String toString() {
        return "RouteHandler[" + backend + ", " + settings + "]";
    }
}
