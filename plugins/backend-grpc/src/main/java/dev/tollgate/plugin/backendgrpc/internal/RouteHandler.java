package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;

import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The grpc backend's handler for one route: each exchange becomes a {@link GrpcCall} with the
 * route's options. Stateless, shared by every exchange of the route.
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
     * 400 unreadable request, 502/503/504 no answer).
     */
    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        return new GrpcCall(backend, settings, exchange).start();
    }

    @Override
    public String toString() {
        return "RouteHandler[" + backend + ", " + settings + "]";
    }
}
