package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.runtime.route.PathTemplate;
import dev.tollgate.runtime.route.RoutingTable;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * The one Jetty handler of the gateway: screens the request, answers system endpoints, looks
 * the route up in the current {@link RoutingTable} and hands an {@link GatewayExchange} to the
 * route's chain.
 *
 * <p>It is non-blocking, and says so to Jetty, so that Jetty may call it on the thread that
 * parsed the request; nothing here or in the chain may block.
 *
 * <p>Screening, in order: the request id; the canonical path (Jetty has already refused
 * ambiguous encodings per the configured URI compliance; {@code ..} above the root and
 * {@code ;parameters} are refused here); URI length (414); underscores in header names (400); the route (404, 405); the body
 * size from {@code Content-Length} (413, before any byte of the body is read).
 */
public final class GatewayHandler extends Handler.Abstract {
    private final AtomicReference<RoutingTable<RouteTarget>> routes;
    private final ServerSettings settings;
    private final Handler systemEndpoints;
    private final SystemPaths systemPaths;

    /**
     * @param routes the current routing table; swapped as a whole on reload
     * @param systemEndpoints answers {@code systemPaths}, or {@code null} when they are off
     */
    public GatewayHandler(AtomicReference<RoutingTable<RouteTarget>> routes, ServerSettings settings,
                          Handler systemEndpoints, SystemPaths systemPaths) {
        super(InvocationType.NON_BLOCKING);
        this.routes = requireNonNull(routes, "routes is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.systemEndpoints = systemEndpoints;
        this.systemPaths = requireNonNull(systemPaths, "systemPaths is null");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long start = System.nanoTime();
        HttpFields headers = request.getHeaders();
        String requestIdHeader = settings.requestIdHeader();
        String clientRequestId = headers.get(requestIdHeader);
        String requestId = RequestIds.accept(clientRequestId);
        response.getHeaders().put(requestIdHeader, requestId);

        HttpURI uri = request.getHttpURI();
        String canonicalPath = uri.getCanonicalPath();
        if (canonicalPath == null || canonicalPath.isEmpty() || canonicalPath.charAt(0) != '/') {
            return reject(request, response, callback, requestId, ErrorCode.BAD_REQUEST, "the path is not a valid absolute path");
        }
        if (settings.mergeSlashes() && canonicalPath.contains("//")) {
            canonicalPath = URIUtil.compactPath(canonicalPath);
        }
        if (systemEndpoints != null && systemPaths.matches(canonicalPath)) {
            return systemEndpoints.handle(request, response, callback);
        }
        String rawPath = uri.getPath();
        if (settings.rejectPathParameters() && rawPath != null && rawPath.indexOf(';') >= 0) {
            // Jetty drops ;parameters from the canonical path; a backend might not.
            return reject(request, response, callback, requestId, ErrorCode.BAD_REQUEST, "path parameters (;) are not accepted");
        }
        String query = uri.getQuery();
        int uriLength = (rawPath == null ? 0 : rawPath.length()) + (query == null ? 0 : query.length() + 1);
        if (uriLength > settings.maxUriLength()) {
            return reject(request, response, callback, requestId, ErrorCode.URI_TOO_LONG,
                    "the request target is longer than " + settings.maxUriLength() + " characters");
        }
        if (settings.rejectUnderscoresInHeaderNames()) {
            for (HttpField field : headers) {
                if (field.getName().indexOf('_') >= 0) {
                    return reject(request, response, callback, requestId, ErrorCode.BAD_REQUEST,
                            "header names must not contain underscores: " + field.getName());
                }
            }
        }

        String decodedPath = URIUtil.decodePath(canonicalPath);
        List<String> segments = PathTemplate.split(decodedPath);
        String host = Request.getServerName(request);
        String method = request.getMethod();
        RoutingTable.Result<RouteTarget> result = routes.get().match(
                method, host == null ? "" : host.toLowerCase(Locale.ROOT), segments, headers::get);
        if (result instanceof RoutingTable.Found<RouteTarget> found) {
            RouteTarget target = found.entry().target();
            long length = request.getLength();
            if (length > target.maxRequestBodySize()) {
                return reject(request, response, callback, requestId, ErrorCode.PAYLOAD_TOO_LARGE,
                        "request body of " + length + " bytes exceeds the limit of " + target.maxRequestBodySize());
            }
            GatewayExchange exchange = new GatewayExchange(request, response, callback, requestId, target,
                    found.parameters(), canonicalPath, settings, start);
            if (!requestId.equals(clientRequestId)) {
                exchange.request().headers().set(requestIdHeader, requestId);
            }
            exchange.run();
            return true;
        }
        if (result instanceof RoutingTable.MethodNotAllowed<RouteTarget> notAllowed) {
            GatewayException error = new GatewayException(ErrorCode.METHOD_NOT_ALLOWED,
                    method + " is not allowed on " + decodedPath)
                    .withHeader(HttpHeader.ALLOW.asString(), String.join(", ", notAllowed.allowed().stream().sorted().toList()));
            ErrorResponses.write(response, error, requestIdHeader, requestId, "HEAD".equals(method), callback);
            return true;
        }
        return reject(request, response, callback, requestId, ErrorCode.NOT_FOUND, "no route for " + method + " " + decodedPath);
    }

    private boolean reject(Request request, Response response, Callback callback, String requestId, ErrorCode code, String message) {
        ErrorResponses.write(response, new GatewayException(code, message), settings.requestIdHeader(), requestId,
                "HEAD".equals(request.getMethod()), callback);
        return true;
    }

    /** The paths answered by the system endpoints rather than by routes. */
    public record SystemPaths(String healthPath, String metricsPath, boolean enabled) {
        boolean matches(String path) {
            return enabled && (path.equals(metricsPath) || path.equals(healthPath) || path.startsWith(healthPath)
                    && path.length() > healthPath.length() && path.charAt(healthPath.length()) == '/');
        }
    }
}
