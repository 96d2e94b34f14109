package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import dev.tollgate.api.upstream.Upstream;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * One exchange proxied to a service: the request prepared once (path, body bridge), its attempts
 * run by the runtime's retry loop ({@link Upstream#execute}) — this is the loop's
 * {@link Upstream.Execution}, each attempt a {@link Call} — and the delivered response
 * relayed.
 *
 * <p>{@link #start} prepares the path and the body and hands the exchange to the loop. The
 * returned stage completes when the delivered instance's status and headers have been copied and
 * its body publisher is in place (the body streams afterwards), or fails with the loop's
 * {@link GatewayException} when no attempt got an answer. The loop chooses the instances, reports
 * the outcomes and decides retries; it asks this exchange whether the request can be sent again
 * ({@link #replayable()}: no byte of the body went to an instance) and hands back the responses a
 * retry replaces ({@link #discard}: aborted, their bodies never read).
 *
 * <p>Threads: started on the server's thread; attempts start there, on the client's threads that
 * completed the previous attempt, or on the runtime's scheduler after a back-off, one at a time;
 * the exchange's end comes on the server's threads. State shared between them is volatile.
 */
final class ProxyExchange implements Upstream.Execution<Call>, BiConsumer<Call, Throwable> {
    private final HttpBackend backend;
    private final RouteSettings route;
    private final Exchange exchange;
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private String path;
    private String query;
    private RequestBodyBridge body;
    private boolean expectsContinue;
    private volatile Call current;
    private volatile boolean ended;
    private volatile Throwable endedWith;

    ProxyExchange(HttpBackend backend, RouteSettings route, Exchange exchange) {
        this.backend = requireNonNull(backend, "backend is null");
        this.route = requireNonNull(route, "route is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
    }

    /** Hands the exchange to the retry loop; see the class comment for what the stage means. */
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
        if (backend.isClosed()) {
            fail(stopped());
            return result;
        }
        backend.upstream().execute(exchange, this).whenComplete(this);
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

    // --- Upstream.Execution: the retry loop's questions

    /** Sends the request to the attempt's instance; the stage completes at its response headers or failure. */
    @Override
    public CompletionStage<Outcome<Call>> attempt(Attempt attempt) {
        if (backend.isClosed()) {
            return CompletableFuture.completedFuture(Outcome.failure(Attempt.Failure.CANCELLED, stopped()));
        }
        InstanceTarget target;
        try {
            target = backend.target(attempt.instance());
        }
        catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Outcome.failure(Attempt.Failure.CONNECT, e));
        }
        // The gateway's own HTTP/1.1 connections where they apply; Jetty's client for TLS, HTTP/2 and Expect: 100-continue.
        Call call = target.http1() != null && !expectsContinue ? new Http1Call(this, attempt, target) : new BackendCall(this, attempt, target);
        current = call;
        call.send();
        if (ended) {
            call.abort(new CancellationException("the client went away"));
        }
        return call.outcome();
    }

    /** Whether no byte of the body has gone to an instance (or there is no body). */
    @Override
    public boolean replayable() {
        return body == null || !body.isConsumed();
    }

    /** A response a retry replaces, or that came after the client left: aborted, its body never read. */
    @Override
    public void discard(Call call) {
        call.discard();
    }

    /** The loop's end: the delivered call's response is relayed, or the exchange fails. */
    @Override
    public void accept(Call delivered, Throwable failure) {
        if (failure != null) {
            fail(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
            return;
        }
        delivered.deliver();
    }

    private GatewayException stopped() {
        return new GatewayException(ErrorCode.UNAVAILABLE, "service '" + backend.name() + "' is being reconfigured or stopped");
    }

    /** Why an attempt got no response, from this exchange's side: the client's own failure, or null. */
    Throwable clientFailure() {
        return body == null ? null : body.clientFailure();
    }

    /** Whether the exchange has ended (the client went away, or it was answered otherwise). */
    boolean hasEnded() {
        return ended;
    }

    /** How the exchange ended: null after a complete response or while it runs. */
    Throwable endedWith() {
        return endedWith;
    }

    // --- outcome

    /** Copies the instance's status and headers to the client's response; the body follows. */
    void relay(int status, HttpVersion version, HttpFields headers, Supplier<HttpFields> trailers) {
        Exchange.Response out = exchange.response();
        out.setStatus(status);
        ResponseHeaderWriter.write(headers, version, out.headers(), route.via());
        if (trailers != null && mayCarryTrailers(headers)) {
            out.setTrailers(() -> toHeaders(trailers.get()));
        }
    }

    /**
     * Whether to pass trailers on: only for a body without Content-Length (HTTP/2 or chunked) to a
     * client that can take them (HTTP/2, or TE: trailers), since announcing trailers turns an
     * HTTP/1.1 response chunked.
     */
    private boolean mayCarryTrailers(HttpFields headers) {
        if (headers.contains(HttpHeader.CONTENT_LENGTH)) {
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
        endedWith = failure;
        ended = true;
        Call call = current;
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
