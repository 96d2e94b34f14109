package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;

import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;


/**
 * One attempt of a {@link ProxyExchange} on one instance: the Jetty client request, the listener
 * of its response, and the attempt's outcome for the runtime's retry loop.
 *
 * <p>Life cycle: {@link #send} builds the request (headers written once, the body bridged) and
 * hands it to the instance's destination. The response timeout runs from the moment the request
 * has been sent whole ({@link BackendRequest}). Then exactly one of: the response headers arrive
 * and {@link #outcome()} completes with {@code Outcome.status(status, this)}, or the attempt
 * fails (timeout, connect failure, reset) and it completes with {@code Outcome.failure(kind,
 * cause)}. The loop then either {@link #deliver delivers} this call — its status and headers are
 * relayed and its body published once Jetty has handed over the body's content source, whichever
 * comes second — or {@link #discard discards} it (the response is aborted). The attempt of a
 * delivered call is closed here when the response body has been relayed, has failed, or was
 * abandoned; the loop closes every other attempt.
 *
 * <p>Jetty calls the listener methods on its client threads, serially for one response; the
 * loop's decision comes on the thread that completed the outcome (usually the same, within
 * {@link #onHeaders}) and the exchange's end on the server's threads. The outcome is decided by
 * a compare-and-set on {@link #state}, the relay by a count of {@link #arrivals}.
 */
final class BackendCall extends AbstractCall implements Response.Listener {
    private static final AtomicIntegerFieldUpdater<BackendCall> STATE = AtomicIntegerFieldUpdater.newUpdater(BackendCall.class, "state");
    private static final AtomicIntegerFieldUpdater<BackendCall> ARRIVALS = AtomicIntegerFieldUpdater.newUpdater(BackendCall.class, "arrivals");
    private static final int WAITING = 0;
    private static final int HEADERS = 1;
    private static final int DONE = 2;

    private volatile int state;
    /** The delivery and the body's content source (or the response's failure before one) each arrive once; the second relays. */
    private volatile int arrivals;
    private volatile BackendRequest request;
    private volatile Response response;
    private volatile Content.Source source;
    private volatile Throwable failedAfterHeaders;
    private volatile boolean delivered;
    private volatile boolean discarded;
    private volatile ResponseBodyPublisher publisher;
    private RequestBodyBridge.AttemptContent content;
    private long sentNanos;

    BackendCall(ProxyExchange owner, Attempt attempt, InstanceTarget target) {
        super(owner, attempt, target);
    }

    /** Builds the request and sends it to the instance. */
    @Override
    public void send() {
        HttpBackend backend = owner.backend();
        RouteSettings route = owner.route();
        var exchange = owner.exchange();
        String clientAuthority = exchange.request().authority();
        String host = upstreamHost(clientAuthority);
        BackendRequest outgoing = new BackendRequest(backend.client(), target.origin(), owner.path(), owner.query(),
                route.responseTimeoutMillis()).authority(host);
        outgoing.method(exchange.request().method());
        RequestBodyBridge body = owner.body();
        outgoing.headers(fields -> RequestHeaderWriter.write(exchange, route, backend, host, clientAuthority, body != null, fields));
        if (route.idleTimeoutMillis() != backend.idleTimeoutMillis()) {
            outgoing.idleTimeout(route.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        if (body != null) {
            content = body.newContent(this::requestSent);
            outgoing.body(content);
            // Trailers make an HTTP/1.1 request chunked: offer them for a body of unknown length,
            // or to an instance that speaks HTTP/2 only.
            if (body.length() < 0 || target.http2Only() && exchange.request().protocol().startsWith("HTTP/2")) {
                outgoing.trailersSupplier(owner::requestTrailers);
            }
        }
        else {
            outgoing.awaitResponse();
        }
        request = outgoing;
        sentNanos = System.nanoTime();
        target.destination().send(outgoing, this);
    }

    /** The request went out whole: the response timeout starts. */
    private void requestSent() {
        BackendRequest outgoing = request;
        if (outgoing != null) {
            outgoing.awaitResponse();
        }
    }

    /** Aborts the request (the client went away); the outcome arrives through {@link #onComplete}. */
    @Override
    public void abort(Throwable cause) {
        BackendRequest outgoing = request;
        if (outgoing != null) {
            outgoing.abort(cause);
        }
    }

    /**
     * The loop delivered this call's response: it is relayed once the body's content source is
     * there too. If the exchange has ended, the response is abandoned instead.
     */
    @Override
    public void deliver() {
        delivered = true;
        // Set before reading the exchange's end, which sets its flag before reading this one's: one of the two closes.
        if (owner.hasEnded()) {
            exchangeEnded(owner.endedWith());
            owner.fail(new CancellationException("the exchange ended before the response was relayed"));
            return;
        }
        arrive();
    }

    /** The loop discarded this call's response (a retry replaces it): aborted, its body never read. */
    @Override
    public void discard() {
        discarded = true;
        Response discardedResponse = response;
        if (discardedResponse != null) {
            discardedResponse.abort(new CancellationException("a " + discardedResponse.getStatus() + " response was discarded"));
        }
    }

    /**
     * The exchange ended: after a failure, or with the body never relayed (a filter replaced the
     * response), the instance's response is abandoned, and a delivered call's attempt closed.
     */
    @Override
    public void exchangeEnded(Throwable failure) {
        ResponseBodyPublisher body = publisher;
        if (failure != null || body == null || !body.isSubscribed()) {
            abort(failure != null ? failure : new CancellationException("the response was not relayed"));
            if (delivered) {
                close();
            }
        }
    }

    // --- Response.Listener

    @Override
    public void onHeaders(Response headers) {
        int status = headers.getStatus();
        if (HttpStatus.isInterim(status)) {
            return;
        }
        if (status < 200 || status > 599) {
            headers.abort(new IllegalStateException("the instance answered an invalid status " + status));
            return;
        }
        if (!STATE.compareAndSet(this, WAITING, HEADERS)) {
            return;
        }
        response = headers;
        request.answered();
        if (content != null && owner.expectsContinue()) {
            content.refuse();
        }
        owner.backend().metrics().responded(status, System.nanoTime() - sentNanos);
        outcome.complete(Outcome.status(status, this));
    }

    @Override
    public void onContentSource(Response contentResponse, Content.Source contentSource) {
        if (discarded || HttpStatus.isInterim(contentResponse.getStatus())) {
            return;
        }
        source = contentSource;
        arrive();
    }

    @Override
    public void onComplete(Result result) {
        if (discarded) {
            return;
        }
        int previous = STATE.getAndSet(this, DONE);
        if (previous == HEADERS) {
            if (source == null) {
                // No body will come: the response failed right after its headers.
                failedAfterHeaders = result.isFailed() ? result.getFailure() : new IllegalStateException("the response ended without a body");
                arrive();
            }
            return;
        }
        if (previous == DONE) {
            return;
        }
        Throwable failure = result.getFailure();
        Throwable clientFailure = owner.clientFailure();
        Attempt.Failure kind = clientFailure != null || owner.hasEnded() ? Attempt.Failure.CANCELLED : Failures.classify(failure);
        owner.backend().metrics().failed(kind);
        outcome.complete(Outcome.failure(kind, clientFailure != null ? clientFailure : failure));
    }

    /** The delivery or the content source arrived: the second relays the response. */
    private void arrive() {
        if (ARRIVALS.incrementAndGet(this) != 2) {
            return;
        }
        Throwable failure = failedAfterHeaders;
        if (failure != null) {
            close();
            owner.fail(Failures.bodyFailure(owner.backend().name(), failure));
            return;
        }
        owner.relay(response.getStatus(), response.getVersion(), response.getHeaders(), response::getTrailers);
        ResponseBodyPublisher body = new ResponseBodyPublisher(source, this);
        publisher = body;
        owner.exchange().response().setBody(body);
        owner.succeed();
    }

    @Override
    void abandonResponse(Throwable cause) {
        abort(cause);
    }
}
