package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;

import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The http backend's handler for one route: proxies each exchange to the route's service with the
 * route's options. Shared by every exchange of the route, stateless; each exchange gets its own
 * {@link ProxyExchange}.
 */
final class RouteHandler implements ExchangeHandler {
    private final HttpBackend backend;
    private final RouteSettings settings;

    RouteHandler(HttpBackend backend, RouteSettings settings) {
        this.backend = requireNonNull(backend, "backend is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    /**
     * Proxies the exchange. The stage completes once the instance's status and headers are on the
     * response and its body publisher is set, or fails with the error to answer.
     */
    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        return new ProxyExchange(backend, settings, exchange).start();
    }

    @Override
    public String toString() {
        return "RouteHandler[" + backend + ", " + settings + "]";
    }
}
