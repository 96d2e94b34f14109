package dev.tollgate.api.http;

/**
 * A route answered by a plugin itself rather than by a service: the WebSocket hub, an SSE
 * stream, a status page. A route names it with {@code endpoint = hub} or
 * {@code endpoint = { name = hub, … }}; the route's filters run first, as for any route.
 *
 * <p>Created once per route that names it. Endpoints of one plugin that must share state
 * (the hub's connections) share it through their factory.
 */
public interface Endpoint extends ExchangeHandler, AutoCloseable {

    /** Releases what the endpoint holds; WebSocket endpoints close their sessions with 1001. */
    @Override
    default void close() {
    }
}
