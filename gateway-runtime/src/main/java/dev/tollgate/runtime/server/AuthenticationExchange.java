package dev.tollgate.runtime.server;

import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Attribute;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The copy of an exchange that {@link Exchange#authenticate} runs the route's authentication
 * filters on: the request as it arrived at the route, carrying the presented credentials, with
 * an empty body, no principal, no attributes and a response of its own.
 *
 * <p>Everything is captured when the copy is made, so the copy reads nothing of Jetty's request
 * afterwards and shares nothing mutable with the original exchange: whatever the filters change
 * (headers, path, principal, attributes, response) stays here and is dropped with the copy.
 * Like any exchange it is handled by one thread at a time.
 */
final class AuthenticationExchange implements Exchange {
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticationExchange.class);

    private final String requestId;
    private final Route route;
    private final Connection connection;
    private final CopiedRequest request;
    private final CopiedResponse response = new CopiedResponse();

    private Principal principal;
    private final ExchangeAttributes attributes = new ExchangeAttributes();
    private List<Consumer<Throwable>> completionListeners;
    private boolean ended;

    /**
     * @param arrived the request line and connection as they were when the request arrived
     * @param headers a copy of the request's fields as the client sent them (with the request id),
     *        owned by this exchange from now on
     * @param credentials fields that replace those of the same names; copied
     */
    AuthenticationExchange(String requestId, Route route, Connection connection, RequestLine arrived,
                           HttpFields.Mutable headers, Headers credentials) {
        this.requestId = requireNonNull(requestId, "requestId is null");
        this.route = requireNonNull(route, "route is null");
        this.connection = FixedConnection.of(requireNonNull(connection, "connection is null"));
        requireNonNull(headers, "headers is null");
        requireNonNull(credentials, "credentials is null").forEach((name, value) -> headers.remove(name));
        credentials.forEach(headers::add);
        this.request = new CopiedRequest(requireNonNull(arrived, "arrived is null"), JettyHeaders.of(headers));
    }

    /** The authentication run is over: tells the completion listeners, once. */
    void ended(Throwable failure) {
        List<Consumer<Throwable>> listeners;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            listeners = completionListeners;
            completionListeners = null;
        }
        if (listeners != null) {
            for (Consumer<Throwable> listener : listeners) {
                notifyListener(listener, failure);
            }
        }
    }

    // --- Exchange

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public Exchange.Request request() {
        return request;
    }

    @Override
    public Exchange.Response response() {
        return response;
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
    public Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    @Override
    public void setPrincipal(Principal newPrincipal) {
        principal = requireNonNull(newPrincipal, "principal is null");
    }

    @Override
    public <T> T attribute(Attribute<T> key) {
        return attributes.get(key);
    }

    @Override
    public <T> void setAttribute(Attribute<T> key, T value) {
        attributes.set(key, value);
    }

    @Override
    public void onComplete(Consumer<Throwable> listener) {
        requireNonNull(listener, "listener is null");
        synchronized (this) {
            if (!ended) {
                if (completionListeners == null) {
                    completionListeners = new ArrayList<>(2);
                }
                completionListeners.add(listener);
                return;
            }
        }
        notifyListener(listener, null);
    }

    @Override
    public CompletionStage<Void> upgradeToWebSocket(WebSocketHandler handler, WebSocketSettings settings) {
        return CompletableFuture.failedStage(new IllegalStateException(
                "a filter tried to upgrade the copy of request " + requestId + " that authenticates a credential"));
    }

    @Override
    public CompletionStage<Optional<Principal>> authenticate(Headers credentials) {
        return CompletableFuture.failedStage(new IllegalStateException(
                "a filter called authenticate while authenticating a credential for request " + requestId));
    }

    private void notifyListener(Consumer<Throwable> listener, Throwable failure) {
        try {
            listener.accept(failure);
        }
        catch (RuntimeException e) {
            LOG.error("Request {}: completion listener {} of an authentication failed", requestId, listener, e);
        }
    }

    /**
     * The request line and connection facts of a request, captured when it is copied.
     *
     * @param query the raw query, or null
     * @param webSocketUpgrade whether the request was a WebSocket upgrade
     */
    record RequestLine(String method, String scheme, String authority, String host, String path, String query,
                       String protocol, boolean webSocketUpgrade) {
        RequestLine {
            requireNonNull(method, "method is null");
            requireNonNull(scheme, "scheme is null");
            requireNonNull(path, "path is null");
            requireNonNull(protocol, "protocol is null");
        }
    }

    // --- Request

    private static final class CopiedRequest implements Exchange.Request {
        private final RequestLine line;
        private final JettyHeaders headers;
        private final Headers trailers = Headers.create();
        private String path;
        private String decodedPath;
        private String query;
        private Fields queryParameters;
        private Flow.Publisher<ByteBuffer> body = ByteBufferPublisher.EMPTY;
        private long contentLength;

        CopiedRequest(RequestLine line, JettyHeaders headers) {
            this.line = line;
            this.headers = headers;
            this.path = line.path();
            this.query = line.query();
        }

        @Override
        public String method() {
            return line.method();
        }

        @Override
        public String scheme() {
            return line.scheme();
        }

        @Override
        public String authority() {
            return line.authority();
        }

        @Override
        public String host() {
            return line.host();
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public void setPath(String newPath) {
            requireNonNull(newPath, "path is null");
            if (!newPath.startsWith("/")) {
                throw new IllegalArgumentException("path must be absolute: " + newPath);
            }
            path = newPath;
            decodedPath = null;
        }

        @Override
        public String decodedPath() {
            if (decodedPath == null) {
                decodedPath = URIUtil.decodePath(path);
            }
            return decodedPath;
        }

        @Override
        public String query() {
            return query;
        }

        @Override
        public void setQuery(String newQuery) {
            query = newQuery;
            queryParameters = null;
        }

        @Override
        public String queryParameter(String name) {
            if (queryParameters == null) {
                queryParameters = GatewayExchange.decodeQuery(query);
            }
            return queryParameters.getValue(name);
        }

        @Override
        public String protocol() {
            return line.protocol();
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public long contentLength() {
            return contentLength;
        }

        @Override
        public Flow.Publisher<ByteBuffer> body() {
            return body;
        }

        @Override
        public void setBody(Flow.Publisher<ByteBuffer> newBody, long length) {
            body = requireNonNull(newBody, "body is null");
            contentLength = length < 0 ? -1 : length;
        }

        @Override
        public CompletionStage<ByteBuffer> bufferBody() {
            if (body instanceof ByteBufferPublisher inMemory) {
                return CompletableFuture.completedFuture(inMemory.content());
            }
            return CompletableFuture.failedStage(new IllegalStateException(
                    "the copy that authenticates a credential cannot buffer a body a filter set"));
        }

        @Override
        public Headers trailers() {
            return trailers;
        }

        @Override
        public boolean isWebSocketUpgrade() {
            return line.webSocketUpgrade();
        }
    }

    // --- Response

    private static final class CopiedResponse implements Exchange.Response {
        private final Headers headers = Headers.create();
        private int status = 200;
        private Flow.Publisher<ByteBuffer> body = ByteBufferPublisher.EMPTY;
        private Supplier<Headers> trailers;

        @Override
        public int status() {
            return status;
        }

        @Override
        public void setStatus(int newStatus) {
            if (newStatus < 100 || newStatus > 999) {
                throw new IllegalArgumentException("not an HTTP status: " + newStatus);
            }
            status = newStatus;
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public Flow.Publisher<ByteBuffer> body() {
            return body;
        }

        @Override
        public void setBody(Flow.Publisher<ByteBuffer> newBody) {
            body = requireNonNull(newBody, "body is null");
        }

        @Override
        public void setBody(ByteBuffer content) {
            body = new ByteBufferPublisher(requireNonNull(content, "content is null").slice());
        }

        @Override
        public void setTrailers(Supplier<Headers> newTrailers) {
            trailers = newTrailers;
        }

        @Override
        public Supplier<Headers> trailers() {
            return trailers;
        }
    }

    /** Connection facts read once. */
    private record FixedConnection(InetSocketAddress remoteAddress, InetSocketAddress localAddress, boolean isSecure,
                                   String tlsProtocol) implements Connection {
        static FixedConnection of(Connection connection) {
            return new FixedConnection(connection.remoteAddress(), connection.localAddress(), connection.isSecure(),
                    connection.tlsProtocol());
        }
    }
}
