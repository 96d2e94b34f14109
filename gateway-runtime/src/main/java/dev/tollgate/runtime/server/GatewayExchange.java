package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.io.EventLoop;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import dev.tollgate.runtime.chain.FilterChain;
import dev.tollgate.runtime.io.LoopConnector;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

import static java.util.Objects.requireNonNull;

/**
 * The {@link Exchange} of one request: its identity, the route it is bound to (none while the
 * gateway-wide filters run, then the matched one), its {@link ExchangeRequest} over Jetty's
 * request (with the header fields the {@link dev.tollgate.runtime.client.ClientScreen} let
 * through) and its {@link ExchangeResponse}. Running a chain on it hands the outcome to its
 * {@link ResponseSender}, which writes the response to Jetty and completes Jetty's callback.
 *
 * <p>{@link #authenticate} runs the route's authentication filters on an
 * {@link AuthenticationExchange}, a copy of the request as it arrived that shares nothing mutable
 * with this exchange.
 */
final class GatewayExchange extends ExchangeState {
    private final org.eclipse.jetty.server.Request jettyRequest;
    private final ServerSettings settings;
    private final String routedPath;
    private final HttpFields arrivedHeaders;
    private final JettyBody body = new JettyBody();
    private final ExchangeRequest request;
    private Connection connectionView;
    private final ExchangeResponse response;
    private final ResponseSender sender;
    private RouteTarget target;
    private Route route;
    private InetAddress clientAddress;
    private boolean clientAddressRead;
    private volatile boolean upgraded;

    /**
     * @param unmatched the route binding until routing matches one: the server's limits and the
     *        metrics of requests that match no route
     * @param onEnd called once when the exchange has ended (the generation's in-flight count)
     */
    GatewayExchange(org.eclipse.jetty.server.Request jettyRequest, org.eclipse.jetty.server.Response jettyResponse,
                    Callback callback, String requestId, String canonicalPath, ServerSettings settings, long startNanos,
                    RouteTarget unmatched, Runnable onEnd) {
        super(requestId);
        this.jettyRequest = jettyRequest;
        this.settings = settings;
        this.routedPath = canonicalPath;
        this.target = unmatched;
        this.route = new MatchedRoute(unmatched, Map.of());
        this.arrivedHeaders = settings.clients().screen(jettyRequest.getHeaders(),
                jettyRequest.getConnectionMetaData().getRemoteSocketAddress());
        this.request = new ExchangeRequest(new JettyLine(jettyRequest, settings.webSockets()), canonicalPath,
                arrivedHeaders, body, () -> target.maxBufferedBodySize());
        this.response = new ExchangeResponse(JettyHeaders.of(jettyResponse.getHeaders()), () -> target.maxBufferedBodySize());
        this.sender = new ResponseSender(this, jettyRequest, jettyResponse, callback, settings.errors(), startNanos, onEnd);
    }

    /** Runs {@code chain} on this exchange; the response is written when its stage completes. */
    void run(FilterChain chain) {
        CompletionStage<Void> stage;
        try {
            stage = chain.start(this);
        }
        catch (RuntimeException e) {
            stage = CompletableFuture.failedStage(e);
        }
        stage.whenComplete(sender::chainCompleted);
    }

    /** Binds the exchange to the route routing matched, with the values its template captured. */
    void bind(RouteTarget matched, Map<String, String> pathParameters) {
        target = requireNonNull(matched, "matched is null");
        route = new MatchedRoute(matched, pathParameters);
    }

    /** The route binding: limits, metrics and the target's class loader. */
    RouteTarget target() {
        return target;
    }

    boolean isUpgraded() {
        return upgraded;
    }

    void upgradeFailed() {
        upgraded = false;
    }

    /** Whether a filter or the endpoint opened the request body (it may be reading it still). */
    boolean isRequestBodyOpened() {
        return body.publisher != null;
    }

    /** Whether the request body was read to its end. */
    boolean isRequestBodyReadWhole() {
        RequestBodyPublisher publisher = body.publisher;
        return publisher != null && publisher.isReadWhole();
    }

    // --- Exchange

    @Override
    public Exchange.Request request() {
        return request;
    }

    @Override
    public ExchangeResponse response() {
        return response;
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public String pathParameter(String name) {
        return route.pathParameters().get(name);
    }

    @Override
    public Connection connection() {
        // Made once: backends ask for it on every request (its event loop). A racy first call
        // makes two equal views, both fine: the record's one field is final.
        Connection view = connectionView;
        if (view == null) {
            connectionView = view = new JettyConnection(jettyRequest);
        }
        return view;
    }

    @Override
    public InetAddress clientAddress() {
        if (!clientAddressRead) {
            clientAddress = settings.clients().clientAddress(jettyRequest.getConnectionMetaData().getRemoteSocketAddress(),
                    arrivedHeaders);
            clientAddressRead = true;
        }
        return clientAddress;
    }

    @Override
    void firstListenerAdded() {
        jettyRequest.addFailureListener(this::clientFailed);
    }

    @Override
    public CompletionStage<Void> upgradeToWebSocket(WebSocketHandler handler, WebSocketSettings webSocketSettings) {
        requireNonNull(handler, "handler is null");
        requireNonNull(webSocketSettings, "settings is null");
        if (!request.isWebSocketUpgrade()) {
            return CompletableFuture.failedStage(new GatewayException(ErrorCode.BAD_REQUEST, "not a WebSocket upgrade request"));
        }
        upgraded = true;
        // The session gets a copy that holds none of Jetty's HTTP request, connection or response,
        // which would otherwise stay in memory for as long as the connection is open.
        Exchange session = new UpgradedExchange(this, target, settings.requestIdHeader(), arrivedHeaders, request, routedPath,
                connection(), clientAddress());
        return settings.webSockets().upgrade(session, jettyRequest, sender.jettyResponse(), sender, handler, webSocketSettings,
                target.targetLoader());
    }

    @Override
    public CompletionStage<Optional<Principal>> authenticate(Headers credentials) {
        return AuthenticationExchange.authenticate(this, target, settings.requestIdHeader(), arrivedHeaders, request.line(),
                routedPath, credentials);
    }

    /** The request line, read from Jetty's request on demand. */
    private record JettyLine(org.eclipse.jetty.server.Request jetty, WebSocketUpgrades webSockets) implements ExchangeRequest.Line {
        @Override
        public String method() {
            return jetty.getMethod();
        }

        @Override
        public String scheme() {
            return jetty.isSecure() ? "https" : "http";
        }

        @Override
        public String authority() {
            HttpURI uri = jetty.getHttpURI();
            String authority = uri.getAuthority();
            if (authority != null && !authority.isEmpty()) {
                return authority;
            }
            String host = jetty.getHeaders().get(HttpHeader.HOST);
            return host != null ? host : org.eclipse.jetty.server.Request.getServerName(jetty);
        }

        @Override
        public String host() {
            return org.eclipse.jetty.server.Request.getServerName(jetty);
        }

        @Override
        public String query() {
            return jetty.getHttpURI().getQuery();
        }

        @Override
        public String protocol() {
            return jetty.getConnectionMetaData().getProtocol();
        }

        @Override
        public boolean isWebSocketUpgrade() {
            return webSockets.isUpgradeRequest(jetty);
        }
    }

    /** The body, read from Jetty with the limits of the route bound when it is first opened. */
    private final class JettyBody implements ExchangeRequest.BodySource {
        private volatile RequestBodyPublisher publisher;

        @Override
        public Flow.Publisher<ByteBuffer> open() {
            publisher = new RequestBodyPublisher(jettyRequest, target.maxRequestBodySize(), target.minRequestDataRate(),
                    settings.clientErrors(), requestId());
            return publisher;
        }

        @Override
        public long declaredLength() {
            return jettyRequest.getLength();
        }

        @Override
        public Headers trailers() {
            return publisher == null ? null : publisher.trailers();
        }
    }

    /** The bound route with this request's path parameters. */
    private record MatchedRoute(RouteTarget routeTarget, Map<String, String> parameters) implements Route {
        @Override
        public String id() {
            return routeTarget.id();
        }

        @Override
        public String pathTemplate() {
            return routeTarget.pathTemplate();
        }

        @Override
        public Map<String, String> pathParameters() {
            return parameters;
        }

        @Override
        public String target() {
            return routeTarget.targetName();
        }
    }

    /** Client connection facts, read from Jetty on demand. */
    private record JettyConnection(org.eclipse.jetty.server.Request request) implements Connection {
        @Override
        public InetSocketAddress remoteAddress() {
            return inet(request.getConnectionMetaData().getRemoteSocketAddress());
        }

        @Override
        public InetSocketAddress localAddress() {
            return inet(request.getConnectionMetaData().getLocalSocketAddress());
        }

        @Override
        public boolean isSecure() {
            return request.isSecure();
        }

        @Override
        public String tlsProtocol() {
            Object data = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
            return data instanceof EndPoint.SslSessionData ssl && ssl.sslSession() != null ? ssl.sslSession().getProtocol() : null;
        }

        @Override
        public EventLoop eventLoop() {
            return LoopConnector.eventLoopOf(request.getConnectionMetaData().getConnection());
        }

        private static InetSocketAddress inet(SocketAddress address) {
            return address instanceof InetSocketAddress inet ? inet : null;
        }
    }
}
