package dev.tollgate.runtime.server;

import static java.util.Objects.requireNonNull;

/**
 * The settings the request path reads on every exchange, fixed when the server starts.
 *
 * @param requestIdHeader the request id header name
 * @param maxUriLength longer path and query → 414
 * @param rejectUnderscoresInHeaderNames refuse {@code X_Foo} header names with 400
 * @param mergeSlashes treat {@code //} as {@code /}
 * @param rejectPathParameters refuse paths with {@code ;parameters} (part of refusing ambiguous paths)
 * @param webSockets the WebSocket upgrade support
 * @param errors renders failures as the JSON error response
 * @param systemTarget the binding of exchanges answered by the system endpoints (limits, metrics)
 */
public record ServerSettings(
        String requestIdHeader,
        int maxUriLength,
        boolean rejectUnderscoresInHeaderNames,
        boolean mergeSlashes,
        boolean rejectPathParameters,
        WebSocketUpgrades webSockets,
        ErrorResponses errors,
        RouteTarget systemTarget) {

    public ServerSettings {
        requireNonNull(requestIdHeader, "requestIdHeader is null");
        requireNonNull(webSockets, "webSockets is null");
        requireNonNull(errors, "errors is null");
        requireNonNull(systemTarget, "systemTarget is null");
    }
}
