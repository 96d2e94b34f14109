package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Attribute;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The {@link Exchange} of one request, bridging Jetty's request, response and callback.
 *
 * <p>Nothing is sent while the chain runs: status and headers accumulate in Jetty's response
 * (not committed), and the body is only a publisher. When the chain's stage completes,
 * {@link #chainCompleted} writes the response — in one write when the body is in memory — or
 * renders the error. Jetty's callback is completed exactly once, by {@link #finish}.
 *
 * <p>{@link #authenticate} runs the route's authentication filters on an
 * {@link AuthenticationExchange}, a copy of the request as it arrived that shares nothing mutable
 * with this exchange.
 */
final class GatewayExchange implements Exchange, Callback {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayExchange.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final org.eclipse.jetty.server.Request jettyRequest;
    private final org.eclipse.jetty.server.Response jettyResponse;
    private final Callback callback;
    private final String requestId;
    private final RouteTarget target;
    private final MatchedRoute route;
    private final String routedPath;
    private final ServerSettings settings;
    private final long startNanos;
    private final GatewayRequest request;
    private final GatewayResponse response;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final ExchangeAttributes attributes = new ExchangeAttributes();

    private Principal principal;
    private List<Consumer<Throwable>> completionListeners;
    private boolean failureListenerAdded;
    private volatile boolean upgraded;

    GatewayExchange(org.eclipse.jetty.server.Request jettyRequest, org.eclipse.jetty.server.Response jettyResponse, Callback callback, String requestId, RouteTarget target,
                    Map<String, String> pathParameters, String canonicalPath, ServerSettings settings, long startNanos) {
        this.jettyRequest = jettyRequest;
        this.jettyResponse = jettyResponse;
        this.callback = callback;
        this.requestId = requestId;
        this.target = target;
        this.route = new MatchedRoute(target, pathParameters);
        this.routedPath = canonicalPath;
        this.settings = settings;
        this.startNanos = startNanos;
        this.request = new GatewayRequest(canonicalPath);
        this.response = new GatewayResponse();
    }

    /** Runs the route's chain; the response is written when its stage completes. */
    void run() {
        CompletionStage<Void> stage;
        try {
            stage = target.chain().start(this);
        }
        catch (RuntimeException e) {
            stage = CompletableFuture.failedStage(e);
        }
        stage.whenComplete(this::chainCompleted);
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
    public String pathParameter(String name) {
        return route.parameters.get(name);
    }

    @Override
    public Connection connection() {
        return new JettyConnection(jettyRequest);
    }

    @Override
    public Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    @Override
    public void setPrincipal(Principal principal) {
        this.principal = requireNonNull(principal, "principal is null");
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
            if (!finished.get()) {
                if (completionListeners == null) {
                    completionListeners = new ArrayList<>(2);
                }
                completionListeners.add(listener);
                if (!failureListenerAdded) {
                    failureListenerAdded = true;
                    jettyRequest.addFailureListener(this::clientFailed);
                }
                return;
            }
        }
        notifyListener(listener, null);
    }

    @Override
    public CompletionStage<Void> upgradeToWebSocket(WebSocketHandler handler, WebSocketSettings webSocketSettings) {
        requireNonNull(handler, "handler is null");
        requireNonNull(webSocketSettings, "settings is null");
        if (!request.isWebSocketUpgrade()) {
            return CompletableFuture.failedStage(new GatewayException(ErrorCode.BAD_REQUEST, "not a WebSocket upgrade request"));
        }
        upgraded = true;
        return settings.webSockets().upgrade(this, jettyRequest, jettyResponse, this, handler, webSocketSettings, target.targetLoader());
    }

    @Override
    public CompletionStage<Optional<Principal>> authenticate(Headers credentials) {
        requireNonNull(credentials, "credentials is null");
        AuthenticationExchange copy;
        try {
            copy = copyForAuthentication(credentials);
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedStage(toGatewayException(e));
        }
        CompletableFuture<Optional<Principal>> result = new CompletableFuture<>();
        CompletionStage<Optional<Principal>> authenticated;
        try {
            authenticated = target.chain().authenticate(copy);
        }
        catch (RuntimeException e) {
            authenticated = CompletableFuture.failedStage(e);
        }
        authenticated.whenComplete((principal, failure) -> {
            copy.ended(failure);
            if (failure == null) {
                result.complete(principal);
            }
            else {
                result.completeExceptionally(toGatewayException(ErrorResponses.unwrap(failure)));
            }
        });
        return result;
    }

    /**
     * The request as it arrived at the route (routed path, client headers with the request id),
     * carrying {@code credentials}; read from Jetty's request, which is immutable and stays
     * readable for the life of an upgraded session.
     */
    private AuthenticationExchange copyForAuthentication(Headers credentials) {
        HttpFields.Mutable headers = HttpFields.build(jettyRequest.getHeaders());
        headers.put(settings.requestIdHeader(), requestId);
        AuthenticationExchange.RequestLine line = new AuthenticationExchange.RequestLine(
                jettyRequest.getMethod(), request.scheme(), request.authority(), request.host(), routedPath,
                jettyRequest.getHttpURI().getQuery(), request.protocol(), request.isWebSocketUpgrade());
        return new AuthenticationExchange(requestId, route, connection(), line, headers, credentials);
    }

    /** Time since the request arrived. */
    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    // --- Completion

    private void chainCompleted(Void ignored, Throwable failure) {
        if (upgraded) {
            if (failure != null && !jettyResponse.isCommitted()) {
                upgraded = false;
                respondError(ErrorResponses.unwrap(failure));
            }
            return;
        }
        if (failure != null) {
            respondError(ErrorResponses.unwrap(failure));
            return;
        }
        try {
            writeResponse();
        }
        catch (RuntimeException e) {
            respondError(e);
        }
    }

    private void writeResponse() {
        jettyResponse.setStatus(response.status);
        if (response.fixedBody != null) {
            ByteBuffer body = response.fixedBody;
            jettyResponse.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
            applyTrailers();
            jettyResponse.write(true, body, this);
        }
        else if (response.streamingBody != null) {
            Flow.Publisher<ByteBuffer> body = response.streamingBody;
            // Before the first write: Jetty takes the trailers supplier (and, for HTTP/1.1, the
            // chunked framing it needs) when the response is committed; it calls the supplier
            // only after the last write.
            applyTrailers();
            ClassLoader loader = target.targetLoader();
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(loader);
            try {
                body.subscribe(new ResponseWriter(this, jettyResponse, target.minResponseDataRate()));
            }
            finally {
                thread.setContextClassLoader(previous);
            }
        }
        else {
            applyTrailers();
            jettyResponse.write(true, EMPTY, this);
        }
    }

    /** Called by the writer for more of the body, with the body's class loader as context. */
    void requestMore(Flow.Subscription subscription) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(target.targetLoader());
        try {
            subscription.request(1);
        }
        finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The body publisher completed. */
    void bodyCompleted(ByteBuffer last) {
        jettyResponse.write(true, last, this);
    }

    /** The body publisher failed: an error response if nothing was sent yet, else an abort. */
    void bodyFailed(Throwable failure) {
        Throwable cause = ErrorResponses.unwrap(failure);
        if (!jettyResponse.isCommitted()) {
            respondError(cause);
        }
        else {
            LOG.warn("Request {} on route {}: response body failed after the response was committed: {}",
                    requestId, target.id(), cause.toString());
            abort(cause);
        }
    }

    /** Ends the exchange with a failure; Jetty resets the stream or closes the connection. */
    void abort(Throwable failure) {
        failed(failure);
    }

    private void applyTrailers() {
        Supplier<Headers> trailers = response.trailers;
        if (trailers != null) {
            jettyResponse.setTrailersSupplier(() -> {
                Headers headers = trailers.get();
                if (headers == null) {
                    return HttpFields.EMPTY;
                }
                if (headers instanceof JettyHeaders jetty) {
                    return jetty.fields();
                }
                HttpFields.Mutable fields = HttpFields.build(headers.size());
                headers.forEach(fields::add);
                return fields;
            });
        }
    }

    private void respondError(Throwable failure) {
        GatewayException error = toGatewayException(failure);
        if (jettyResponse.isCommitted()) {
            abort(failure);
            return;
        }
        try {
            ErrorResponses.write(jettyResponse, error, settings.requestIdHeader(), requestId,
                    "HEAD".equals(jettyRequest.getMethod()), this);
        }
        catch (RuntimeException e) {
            abort(e);
        }
    }

    private GatewayException toGatewayException(Throwable failure) {
        if (failure instanceof GatewayException gatewayException) {
            if (gatewayException.code().httpStatus() >= 500) {
                LOG.warn("Request {} {} {} on route {}: {} {}", requestId, jettyRequest.getMethod(), request.path(),
                        target.id(), gatewayException.code(), gatewayException.getMessage(),
                        LOG.isDebugEnabled() ? gatewayException : null);
            }
            return gatewayException;
        }
        if (failure instanceof TimeoutException) {
            return new GatewayException(ErrorCode.REQUEST_TIMEOUT, "request timed out");
        }
        LOG.error("Request {} {} {} on route {} failed", requestId, jettyRequest.getMethod(), request.path(), target.id(), failure);
        return new GatewayException(ErrorCode.INTERNAL_ERROR, "internal error; see the gateway log for request " + requestId);
    }

    // --- Jetty's callback for the last write

    @Override
    public void succeeded() {
        if (finished.compareAndSet(false, true)) {
            target.metrics().record(jettyResponse.getStatus(), elapsedNanos());
            notifyListeners(null);
            callback.succeeded();
        }
    }

    @Override
    public void failed(Throwable failure) {
        if (finished.compareAndSet(false, true)) {
            target.metrics().recordFailure(elapsedNanos());
            notifyListeners(failure);
            callback.failed(failure);
        }
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    private void clientFailed(Throwable failure) {
        notifyListeners(failure);
    }

    private void notifyListeners(Throwable failure) {
        List<Consumer<Throwable>> listeners;
        synchronized (this) {
            listeners = completionListeners;
            completionListeners = null;
        }
        if (listeners != null) {
            for (Consumer<Throwable> listener : listeners) {
                notifyListener(listener, failure);
            }
        }
    }

    private void notifyListener(Consumer<Throwable> listener, Throwable failure) {
        try {
            listener.accept(failure);
        }
        catch (RuntimeException e) {
            LOG.error("Request {}: completion listener {} failed", requestId, listener, e);
        }
    }

    // --- Request

    private final class GatewayRequest implements Exchange.Request {
        private String path;
        private String decodedPath;
        private String query;
        private boolean queryChanged;
        private Fields queryParameters;
        private JettyHeaders headers;
        private Flow.Publisher<ByteBuffer> body;
        private RequestBodyPublisher jettyBody;
        private long contentLength = Long.MIN_VALUE;
        private CompletionStage<ByteBuffer> buffered;

        GatewayRequest(String canonicalPath) {
            this.path = canonicalPath;
        }

        @Override
        public String method() {
            return jettyRequest.getMethod();
        }

        @Override
        public String scheme() {
            return jettyRequest.isSecure() ? "https" : "http";
        }

        @Override
        public String authority() {
            HttpURI uri = jettyRequest.getHttpURI();
            String authority = uri.getAuthority();
            if (authority != null && !authority.isEmpty()) {
                return authority;
            }
            String host = jettyRequest.getHeaders().get(HttpHeader.HOST);
            return host != null ? host : org.eclipse.jetty.server.Request.getServerName(jettyRequest);
        }

        @Override
        public String host() {
            return org.eclipse.jetty.server.Request.getServerName(jettyRequest);
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
            return queryChanged ? query : jettyRequest.getHttpURI().getQuery();
        }

        @Override
        public void setQuery(String newQuery) {
            query = newQuery;
            queryChanged = true;
            queryParameters = null;
        }

        @Override
        public String queryParameter(String name) {
            if (queryParameters == null) {
                queryParameters = decodeQuery(query());
            }
            return queryParameters.getValue(name);
        }

        @Override
        public String protocol() {
            return jettyRequest.getConnectionMetaData().getProtocol();
        }

        @Override
        public Headers headers() {
            if (headers == null) {
                headers = JettyHeaders.copyOnWrite(jettyRequest.getHeaders());
            }
            return headers;
        }

        @Override
        public long contentLength() {
            if (contentLength == Long.MIN_VALUE) {
                contentLength = jettyRequest.getLength();
            }
            return contentLength;
        }

        @Override
        public Flow.Publisher<ByteBuffer> body() {
            if (body == null) {
                jettyBody = new RequestBodyPublisher(jettyRequest, target.maxRequestBodySize(), target.minRequestDataRate());
                body = jettyBody;
            }
            return body;
        }

        @Override
        public void setBody(Flow.Publisher<ByteBuffer> newBody, long length) {
            body = requireNonNull(newBody, "body is null");
            contentLength = length < 0 ? -1 : length;
            buffered = null;
        }

        @Override
        public CompletionStage<ByteBuffer> bufferBody() {
            if (buffered != null) {
                return buffered;
            }
            long declared = contentLength();
            long limit = target.maxBufferedBodySize();
            if (declared > limit) {
                return CompletableFuture.failedFuture(new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "request body of " + declared + " bytes exceeds the " + limit + " bytes this route may buffer"));
            }
            CompletableFuture<ByteBuffer> result = new CompletableFuture<>();
            body().subscribe(new BodyAggregator(limit, declared, result));
            buffered = result.thenApply(content -> {
                body = new ByteBufferPublisher(content);
                contentLength = content.remaining();
                return content.asReadOnlyBuffer();
            });
            return buffered;
        }

        @Override
        public Headers trailers() {
            Headers trailers = jettyBody == null ? null : jettyBody.trailers();
            return trailers != null ? trailers : Headers.create();
        }

        @Override
        public boolean isWebSocketUpgrade() {
            return settings.webSockets().isUpgradeRequest(jettyRequest);
        }
    }

    /**
     * The parameters of a raw query string, decoded as UTF-8.
     *
     * @throws GatewayException {@code BAD_REQUEST} for a malformed encoding
     */
    static Fields decodeQuery(String raw) {
        Fields parameters = new Fields(true);
        if (raw != null && !raw.isEmpty()) {
            try {
                org.eclipse.jetty.util.UrlEncoded.decodeUtf8To(raw, 0, raw.length(), parameters::add);
            }
            catch (IllegalArgumentException e) {
                throw new GatewayException(ErrorCode.BAD_REQUEST, "malformed query string: " + e.getMessage());
            }
        }
        return parameters;
    }

    // --- Response

    private final class GatewayResponse implements Exchange.Response {
        private int status = 200;
        private final JettyHeaders headers = JettyHeaders.of(jettyResponse.getHeaders());
        private ByteBuffer fixedBody;
        private Flow.Publisher<ByteBuffer> streamingBody;
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
            if (streamingBody != null) {
                return streamingBody;
            }
            return fixedBody != null ? new ByteBufferPublisher(fixedBody) : ByteBufferPublisher.EMPTY;
        }

        @Override
        public void setBody(Flow.Publisher<ByteBuffer> body) {
            requireNonNull(body, "body is null");
            if (body instanceof ByteBufferPublisher inMemory) {
                setBody(inMemory.content());
                return;
            }
            streamingBody = body;
            fixedBody = null;
        }

        @Override
        public void setBody(ByteBuffer content) {
            fixedBody = requireNonNull(content, "content is null").slice();
            streamingBody = null;
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

    /** The matched route with this request's path parameters. */
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

        private static InetSocketAddress inet(SocketAddress address) {
            return address instanceof InetSocketAddress inet ? inet : null;
        }
    }

    /** Collects a body into one array, failing past the limit without reading further. */
    private static final class BodyAggregator implements Flow.Subscriber<ByteBuffer> {
        private final long limit;
        private final CompletableFuture<ByteBuffer> result;
        private Flow.Subscription subscription;
        private byte[] bytes;
        private int size;

        BodyAggregator(long limit, long declared, CompletableFuture<ByteBuffer> result) {
            this.limit = limit;
            this.result = result;
            this.bytes = new byte[(int) Math.max(256, Math.min(declared < 0 ? 8192 : declared, limit))];
        }

        @Override
        public void onSubscribe(Flow.Subscription newSubscription) {
            subscription = newSubscription;
            newSubscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            int remaining = buffer.remaining();
            if (size + (long) remaining > limit) {
                subscription.cancel();
                result.completeExceptionally(new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "request body exceeds the " + limit + " bytes this route may buffer"));
                return;
            }
            if (size + remaining > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, (int) Math.min(limit, Math.max(bytes.length * 2L, size + (long) remaining)));
            }
            buffer.get(bytes, size, remaining);
            size += remaining;
        }

        @Override
        public void onError(Throwable failure) {
            result.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            result.complete(ByteBuffer.wrap(bytes, 0, size).slice());
        }
    }
}
