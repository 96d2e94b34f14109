package dev.tollgate.api.http;

import dev.tollgate.api.PluginConfig;

/**
 * How the gateway reaches one service: an HTTP reverse proxy, an HTTP/JSON-to-gRPC
 * transcoder, a WebSocket proxy. Created once per service in {@code gateway.services} whose
 * {@code backend} names this backend; it owns what is shared by every route to that service
 * (connection pools, clients).
 *
 * <p>A route names the service either by name ({@code service = orders}) or with per-route
 * options ({@code service = { name = orders, strip-prefix = "/api" }}). For each route the
 * runtime calls {@link #forRoute} once when it builds the routing table, so route options are
 * read into a typed record once and not per request.
 */
public interface Backend extends AutoCloseable {

    /**
     * A handler for one route, with that route's options merged over the plugin's
     * {@code reference.conf} section {@code tollgate.backends.<name>.route}.
     *
     * @throws dev.tollgate.api.InvalidConfigException for an unacceptable option
     */
    ExchangeHandler forRoute(PluginConfig routeOptions);

    /**
     * Stops accepting new exchanges and releases connections. In-flight exchanges may be
     * failed; the runtime drains before closing.
     */
    @Override
    default void close() {
    }
}
