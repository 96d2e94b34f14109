package dev.tollgate.runtime.server;

import dev.tollgate.runtime.client.ClientScreen;

import static java.util.Objects.requireNonNull;

/**
 * The settings the request path reads on every exchange, fixed when the server starts.
 *
 * @param requestIdHeader the request id header name
 * @param maxUriLength longer path and query → 414
 * @param rejectUnderscoresInHeaderNames refuse {@code X_Foo} header names with 400
 * @param mergeSlashes treat {@code //} as {@code /}
 * @param rejectPathParameters refuse paths with {@code ;parameters} (part of refusing ambiguous paths)
 * @param clients screens each request's header fields before any filter runs
 * @param webSockets the WebSocket upgrade support
 * @param errors renders failures as the JSON error response
 * @param systemTarget the binding of exchanges answered by the system endpoints (limits, metrics)
 * @param clientErrors where clients' protocol errors (a request body cut off) are counted
 */
public record ServerSettings(
        String requestIdHeader,
        int maxUriLength,
        boolean rejectUnderscoresInHeaderNames,
        boolean mergeSlashes,
        boolean rejectPathParameters,
        ClientScreen clients,
        WebSocketUpgrades webSockets,
        ErrorResponses errors,
        RouteTarget systemTarget,
        ClientErrors clientErrors) {

    public ServerSettings {
        requireNonNull(requestIdHeader, "requestIdHeader is null");
        requireNonNull(clients, "clients is null");
        requireNonNull(webSockets, "webSockets is null");
        requireNonNull(errors, "errors is null");
        requireNonNull(systemTarget, "systemTarget is null");
        requireNonNull(clientErrors, "clientErrors is null");
    }
}
