package dev.tollgate.runtime.server;

import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The exchange a WebSocket session sees ({@link dev.tollgate.api.websocket.WebSocketSession#exchange()}):
 * the upgraded request with everything read once at the upgrade, so that the session holds
 * nothing of Jetty's HTTP request, connection or response, which would otherwise stay in memory
 * for the life of every connection (about 3 KiB each: parser, generator, channel state, buffers'
 * bookkeeping, locks).
 *
 * <p>It carries the request as the route's filters left it (line, path, query, headers; no body),
 * the route with its path parameters, the connection's facts, the client address, and the
 * original's request id, principal and attributes (the same attribute store). Its HTTP exchange
 * is over: completion listeners are called at once, its response must not be used (it refuses),
 * and it cannot be upgraded again. {@link #authenticate} runs the route's authentication filters
 * as the original would.
 */
final class UpgradedExchange extends ExchangeState {
    private final RouteTarget target;
    private final String requestIdHeader;
    private final HttpFields arrivedHeaders;
    private final ExchangeRequest.Line arrivedLine;
    private final String routedPath;
    private final Route route;
    private final Connection connection;
    private final InetAddress clientAddress;
    private final ExchangeRequest request;

    /**
     * @param original the exchange being upgraded; nothing of it is kept but its state
     * @param arrivedHeaders the request's fields as they arrived (screened), for {@link #authenticate}
     * @param request the original's request as the filters left it
     * @param routedPath the path routing saw
     */
    UpgradedExchange(ExchangeState original, RouteTarget target, String requestIdHeader, HttpFields arrivedHeaders,
                     ExchangeRequest request, String routedPath, Connection connection, InetAddress clientAddress) {
        super(original);
        this.target = requireNonNull(target, "target is null");
        this.requestIdHeader = requireNonNull(requestIdHeader, "requestIdHeader is null");
        // Copies: Jetty's fields of a request (and each parsed field) reach its parser, channel and connection.
        this.arrivedHeaders = detached(requireNonNull(arrivedHeaders, "arrivedHeaders is null"));
        this.arrivedLine = request.line().capture();
        this.routedPath = requireNonNull(routedPath, "routedPath is null");
        this.route = original.route();
        this.connection = CapturedConnection.of(requireNonNull(connection, "connection is null"));
        this.clientAddress = clientAddress;
        ExchangeRequest.Line line = arrivedLine;
        if (!Objects.equals(request.query(), line.query())) {
            line = new ExchangeRequest.CapturedLine(line.method(), line.scheme(), line.authority(), line.host(), request.query(),
                    line.protocol(), line.isWebSocketUpgrade());
        }
        HttpFields fields = request.fields() == arrivedHeaders ? this.arrivedHeaders : detached(request.fields());
        this.request = new ExchangeRequest(line, request.path(), fields, ExchangeRequest.BodySource.NONE, () -> 0);
    }

    private static HttpFields detached(HttpFields fields) {
        HttpFields.Mutable copy = HttpFields.build(fields.size());
        for (HttpField field : fields) {
            copy.add(new HttpField(field.getHeader(), field.getName(), field.getValue()));
        }
        return copy.asImmutable();
    }

    @Override
    public Exchange.Request request() {
        return request;
    }

    @Override
    public Exchange.Response response() {
        throw new IllegalStateException("request " + requestId() + " was upgraded to a WebSocket: its response is gone");
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public CompletionStage<Void> upgradeToWebSocket(WebSocketHandler handler, WebSocketSettings settings) {
        return CompletableFuture.failedStage(new IllegalStateException("request " + requestId() + " is a WebSocket already"));
    }

    @Override
    public CompletionStage<Optional<Principal>> authenticate(Headers credentials) {
        return AuthenticationExchange.authenticate(this, target, requestIdHeader, arrivedHeaders, arrivedLine, routedPath, credentials);
    }
}
