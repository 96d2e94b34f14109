package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.runtime.route.PathTemplate;
import dev.tollgate.runtime.route.RoutingTable;
import dev.tollgate.runtime.system.SystemEndpoints;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The last step of the gateway-wide chain: screens what routing depends on, finds the route and
 * runs the route's chain, so that everything it refuses — 404, 405, 413, 414, a header name with
 * an underscore — is an error response that travels back through the gateway-wide filters like
 * any other.
 *
 * <p>In order: a system endpoint (when they run behind the gateway-wide filters); the request
 * target's length (414); header names with underscores (400); the route (404, or 405 with
 * {@code Allow}); the body size from {@code Content-Length} (413, before any byte of the body is
 * read). It routes the request as the gateway-wide filters left it: on its (possibly rewritten)
 * path, host and headers.
 */
final class Router implements ExchangeHandler {
    private final RoutingTable<RouteTarget> routes;
    private final ServerSettings settings;
    private final SystemEndpoints system;

    /** @param system the system endpoints to answer here, or null when they are answered before the gateway-wide filters */
    Router(RoutingTable<RouteTarget> routes, ServerSettings settings, SystemEndpoints system) {
        this.routes = requireNonNull(routes, "routes is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.system = system;
    }

    @Override
    public CompletionStage<Void> handle(Exchange given) {
        if (!(given instanceof GatewayExchange exchange)) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "a gateway-wide filter passed on an exchange of its own (" + given.getClass().getName() + "); filters must proceed with the exchange they were given"));
        }
        Exchange.Request request = exchange.request();
        String path = request.path();
        if (system != null && system.matches(path)) {
            exchange.bind(settings.systemTarget(), java.util.Map.of());
            return system.handle(exchange);
        }
        String query = request.query();
        int uriLength = path.length() + (query == null ? 0 : query.length() + 1);
        if (uriLength > settings.maxUriLength()) {
            return failed(ErrorCode.URI_TOO_LONG, "the request target is longer than " + settings.maxUriLength() + " characters");
        }
        HttpFields fields = ((ExchangeRequest) request).fields();
        if (settings.rejectUnderscoresInHeaderNames()) {
            for (HttpField field : fields) {
                if (field.getName().indexOf('_') >= 0) {
                    return failed(ErrorCode.BAD_REQUEST, "header names must not contain underscores: " + field.getName());
                }
            }
        }
        String decodedPath = request.decodedPath();
        List<String> segments = PathTemplate.split(decodedPath);
        String host = request.host();
        String method = request.method();
        RoutingTable.Result<RouteTarget> result = routes.match(
                method, host == null ? "" : host.toLowerCase(Locale.ROOT), segments, fields::get);
        if (result instanceof RoutingTable.Found<RouteTarget> found) {
            RouteTarget target = found.entry().target();
            long length = request.contentLength();
            if (length > target.maxRequestBodySize()) {
                return failed(ErrorCode.PAYLOAD_TOO_LARGE,
                        "request body of " + length + " bytes exceeds the limit of " + target.maxRequestBodySize());
            }
            exchange.bind(target, found.parameters());
            return target.chain().start(exchange);
        }
        if (result instanceof RoutingTable.MethodNotAllowed<RouteTarget> notAllowed) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.METHOD_NOT_ALLOWED,
                    method + " is not allowed on " + decodedPath)
                    .withHeader("Allow", String.join(", ", notAllowed.allowed().stream().sorted().toList())));
        }
        return failed(ErrorCode.NOT_FOUND, "no route for " + method + " " + decodedPath);
    }

    private static CompletionStage<Void> failed(ErrorCode code, String message) {
        return CompletableFuture.failedFuture(new GatewayException(code, message));
    }
}
