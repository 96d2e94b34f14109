package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.RetryPolicy;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * One exchange proxied to a service: its attempts, retries and outcome.
 *
 * <p>{@link #start} prepares the path and the body and sends the first {@link BackendCall}. The
 * returned stage completes when an instance's response headers have been copied and its body
 * publisher is in place (the body streams afterwards), or fails with a
 * {@link dev.tollgate.api.GatewayException} when no attempt succeeded. Each attempt goes through
 * {@code upstream.choose}; a failed one, or one answered with a status the service retries, is
 * tried again on another instance only when that is safe: the body was never sent (or there is
 * none), and the request never reached the instance or its method is idempotent; then within
 * the service's retry policy (attempts, budget), after its backoff on the plugin's scheduler.
 *
 * <p>Threads: started on the server's thread; attempts complete on the client's threads or the
 * scheduler. State shared between them is volatile or confined to one attempt at a time.
 */
final class ProxyExchange {
    private final HttpBackend backend;
    private final RouteSettings route;
    private final Exchange exchange;
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private String path;
    private String query;
    private RequestBodyBridge body;
    private boolean expectsContinue;
    private volatile int attempts;
    private Set<String> excluded;
    private volatile BackendCall current;
    private volatile boolean clientGone;

    ProxyExchange(HttpBackend backend, RouteSettings route, Exchange exchange) {
        this.backend = requireNonNull(backend, "backend is null");
        this.route = requireNonNull(route, "route is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
    }

    /** Sends the first attempt; see the class comment for what the stage means. */
    CompletionStage<Void> start() {
        try {
            Exchange.Request request = exchange.request();
            path = route.pathRewrite().apply(request.path(), exchange);
            query = request.query();
            exchange.onComplete(this::exchangeCompleted);
            expectsContinue = request.headers().containsToken("Expect", "100-continue");
            body = prepareBody(request, expectsContinue);
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        attempt();
        return result;
    }

    /**
     * The body bridge, or null when the request has none: a declared length of 0, or a body of
     * unknown length that the runtime reports ended at once (a GET over HTTP/2). With
     * {@code Expect: 100-continue} nothing is read until the instance asks for the body.
     */
    private static RequestBodyBridge prepareBody(Exchange.Request request, boolean expectsContinue) {
        long length = request.contentLength();
        if (length == 0) {
            return null;
        }
        RequestBodyBridge bridge = new RequestBodyBridge(request.body(), length);
        if (length < 0 && !expectsContinue) {
            bridge.start();
            if (bridge.isEmpty()) {
                return null;
            }
        }
        return bridge;
    }

    // --- attempts

    private void attempt() {
        if (clientGone) {
            fail(Failures.toGatewayException(backend.name(), Attempt.Failure.CANCELLED, null));
            return;
        }
        if (backend.isClosed()) {
            fail(new GatewayException(ErrorCode.UNAVAILABLE, "service '" + backend.name() + "' is being reconfigured or stopped"));
            return;
        }
        Attempt attempt;
        try {
            attempt = backend.upstream().choose(exchange, excluded == null ? Set.of() : excluded);
        }
        catch (RuntimeException e) {
            fail(e);
            return;
        }
        attempts++;
        InstanceTarget target;
        try {
            target = backend.target(attempt.instance());
        }
        catch (RuntimeException e) {
            attempt.failed(Attempt.Failure.CONNECT);
            attempt.close();
            fail(e);
            return;
        }
        BackendCall call = new BackendCall(this, attempt, target);
        current = call;
        try {
            call.send();
        }
        catch (RuntimeException e) {
            // A bug rather than a backend failure: end the attempt so the registry does not count it in flight.
            attempt.failed(Attempt.Failure.CANCELLED);
            attempt.close();
            fail(e);
            return;
        }
        if (clientGone) {
            call.abort(new CancellationException("the client went away"));
        }
    }

    /** An attempt got no response; retries it when safe and allowed, else fails the exchange. */
    void attemptFailed(BackendCall call, Attempt.Failure kind, Throwable cause) {
        Throwable clientFailure = body == null ? null : body.clientFailure();
        if (clientFailure != null) {
            fail(clientFailure);
            return;
        }
        RetryPolicy policy = backend.upstream().retryPolicy();
        if (!clientGone && attempts < policy.maxAttempts() && policy.retriesFailure(kind) && bodyReplayable()
                && (kind.neverReachedInstance() || RetryPolicy.isIdempotent(exchange.request().method())) && policy.tryAcquire()) {
            retry(call);
            return;
        }
        fail(Failures.toGatewayException(backend.name(), kind, cause));
    }

    /** The failure kind of an attempt that got no response. */
    Attempt.Failure classify(Throwable failure) {
        if (clientGone || body != null && body.clientFailure() != null) {
            return Attempt.Failure.CANCELLED;
        }
        return Failures.classify(failure);
    }

    /** Whether a response with this status is to be discarded and the request sent again. */
    boolean retriesStatus(int status) {
        RetryPolicy policy = backend.upstream().retryPolicy();
        return !clientGone && attempts < policy.maxAttempts() && policy.retriesStatus(status) && bodyReplayable()
                && RetryPolicy.isIdempotent(exchange.request().method()) && policy.tryAcquire();
    }

    /** Tries again on another instance after the policy's backoff. */
    void retry(BackendCall failed) {
        if (excluded == null) {
            excluded = new HashSet<>(4);
        }
        excluded.add(failed.instanceId());
        backend.metrics().retried();
        Duration delay = backend.upstream().retryPolicy().backoff(attempts);
        if (delay.isZero() || delay.isNegative()) {
            attempt();
            return;
        }
        try {
            backend.scheduler().schedule(this::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (RejectedExecutionException e) {
            fail(Failures.toGatewayException(backend.name(), Attempt.Failure.CANCELLED, e));
        }
    }

    private boolean bodyReplayable() {
        return body == null || !body.isConsumed();
    }

    // --- outcome

    /** Copies the instance's status and headers to the client's response; the body follows. */
    void relay(Response response) {
        Exchange.Response out = exchange.response();
        out.setStatus(response.getStatus());
        ResponseHeaderWriter.write(response.getHeaders(), response.getVersion(), out.headers(), route.via());
        if (mayCarryTrailers(response)) {
            out.setTrailers(() -> toHeaders(response.getTrailers()));
        }
    }

    /**
     * Whether to pass trailers on: only for a body without Content-Length (HTTP/2 or chunked) to a
     * client that can take them (HTTP/2, or TE: trailers), since announcing trailers turns an
     * HTTP/1.1 response chunked.
     */
    private boolean mayCarryTrailers(Response response) {
        if (response.getHeaders().contains(HttpHeader.CONTENT_LENGTH)) {
            return false;
        }
        Exchange.Request request = exchange.request();
        return request.protocol().startsWith("HTTP/2") || request.headers().containsToken("TE", "trailers");
    }

    private static Headers toHeaders(HttpFields fields) {
        if (fields == null || fields.size() == 0) {
            return null;
        }
        Headers headers = Headers.create();
        for (HttpField field : fields) {
            headers.add(field.getName(), field.getValue());
        }
        return headers;
    }

    /** The client's request trailers for the instance, once the body has ended; null when none. */
    HttpFields requestTrailers() {
        Headers trailers = exchange.request().trailers();
        if (trailers.isEmpty()) {
            return null;
        }
        HttpFields.Mutable fields = HttpFields.build(trailers.size());
        trailers.forEach(fields::add);
        return fields;
    }

    /** The response is in place: the runtime may write it. */
    void succeed() {
        result.complete(null);
    }

    /** No response will come: the runtime answers the error. */
    void fail(Throwable failure) {
        if (body != null) {
            body.cancel();
        }
        result.completeExceptionally(failure);
    }

    private void exchangeCompleted(Throwable failure) {
        if (failure != null) {
            clientGone = true;
        }
        BackendCall call = current;
        if (call != null) {
            call.exchangeEnded(failure);
        }
        if (body != null) {
            body.cancel();
        }
    }

    // --- accessors for the attempt

    HttpBackend backend() {
        return backend;
    }

    RouteSettings route() {
        return route;
    }

    Exchange exchange() {
        return exchange;
    }

    String path() {
        return path;
    }

    String query() {
        return query;
    }

    /** The body bridge, or null when the request has no body. */
    RequestBodyBridge body() {
        return body;
    }

    /** Whether the client sent {@code Expect: 100-continue} (its body waits for the instance's go-ahead). */
    boolean expectsContinue() {
        return expectsContinue;
    }
}
