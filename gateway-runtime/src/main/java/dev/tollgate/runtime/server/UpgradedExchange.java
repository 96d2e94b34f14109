package dev.tollgate.runtime.server;

import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.net.InetAddress;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

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
    /**
     * Header fields whose values repeat from one client to the next: their copies are shared by
     * every session (the values of the others, keys and ids, are each connection's own).
     */
    private static final Set<HttpHeader> SHARED_HEADERS = EnumSet.of(HttpHeader.HOST, HttpHeader.UPGRADE, HttpHeader.CONNECTION,
            HttpHeader.SEC_WEBSOCKET_VERSION, HttpHeader.SEC_WEBSOCKET_EXTENSIONS, HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL,
            HttpHeader.ORIGIN, HttpHeader.USER_AGENT, HttpHeader.ACCEPT_ENCODING, HttpHeader.ACCEPT_LANGUAGE, HttpHeader.PRAGMA,
            HttpHeader.CACHE_CONTROL);
    /** At most this many shared fields and strings; beyond, the table starts again (what is shared stays shared). */
    private static final int SHARED_LIMIT = 1024;
    private static final Map<Object, Object> SHARED = new ConcurrentHashMap<>();

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
        Map<HttpField, HttpField> copies = new IdentityHashMap<>();
        this.arrivedHeaders = detached(requireNonNull(arrivedHeaders, "arrivedHeaders is null"), copies);
        ExchangeRequest.Line captured = request.line().capture();
        this.arrivedLine = new ExchangeRequest.CapturedLine(shared(captured.method()), shared(captured.scheme()),
                shared(captured.authority()), shared(captured.host()), captured.query(), shared(captured.protocol()),
                captured.isWebSocketUpgrade());
        this.routedPath = shared(requireNonNull(routedPath, "routedPath is null"));
        this.route = original.route();
        this.connection = CapturedConnection.of(requireNonNull(connection, "connection is null"));
        this.clientAddress = clientAddress;
        ExchangeRequest.Line line = arrivedLine;
        if (!Objects.equals(request.query(), line.query())) {
            line = new ExchangeRequest.CapturedLine(line.method(), line.scheme(), line.authority(), line.host(), request.query(),
                    line.protocol(), line.isWebSocketUpgrade());
        }
        HttpFields fields = sameFields(request.fields(), arrivedHeaders) ? this.arrivedHeaders : detached(request.fields(), copies);
        String path = request.path();
        this.request = new ExchangeRequest(line, path.equals(this.routedPath) ? this.routedPath : path, fields,
                ExchangeRequest.BodySource.NONE, () -> 0);
    }

    /** The fields as plain copies, each field copied once ({@code copies}) and the common ones shared by all sessions. */
    private static HttpFields detached(HttpFields fields, Map<HttpField, HttpField> copies) {
        HttpFields.Mutable copy = HttpFields.build(fields.size());
        for (HttpField field : fields) {
            copy.add(copies.computeIfAbsent(field, UpgradedExchange::copy));
        }
        return copy.asImmutable();
    }

    private static HttpField copy(HttpField field) {
        HttpField plain = new HttpField(field.getHeader(), field.getName(), field.getValue());
        return field.getHeader() != null && SHARED_HEADERS.contains(field.getHeader()) ? shared(plain) : plain;
    }

    private static boolean sameFields(HttpFields a, HttpFields b) {
        if (a == b) {
            return true;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.getField(i) != b.getField(i)) {
                return false;
            }
        }
        return true;
    }

    /** The instance equal to {@code value} that sessions share (strings of the request line, common header fields). */
    @SuppressWarnings("unchecked")
    private static <T> T shared(T value) {
        if (value == null) {
            return null;
        }
        Object known = SHARED.get(value);
        if (known != null) {
            return (T) known;
        }
        if (SHARED.size() >= SHARED_LIMIT) {
            SHARED.clear();
        }
        known = SHARED.putIfAbsent(value, value);
        return known != null ? (T) known : value;
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
