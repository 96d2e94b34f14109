package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.upstream.Attempt;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;

import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import static java.util.Objects.requireNonNull;

/**
 * One attempt of a {@link ProxyExchange} on one instance: the Jetty client request and the
 * listener of its response.
 *
 * <p>Life cycle: {@link #send} builds the request (headers written once, the body bridged) and
 * hands it to the instance's destination. The response timeout runs from the moment the request
 * has been sent whole ({@link BackendRequest}). Then exactly one of: the response headers arrive ({@code responded} is reported and
 * the exchange relays them, or discards them for a retry), or the attempt fails (timeout, connect
 * failure, reset; {@code failed} is reported and the exchange decides about a retry). The attempt
 * is closed when the response body has been relayed, has failed, or was abandoned.
 *
 * <p>Jetty calls the listener methods on its client threads, serially for one response; the
 * exchange's completion comes on the server's threads, so the outcome is decided by a
 * compare-and-set on {@link #state}.
 */
final class BackendCall implements Response.Listener, ResponseBodyPublisher.Listener {
    private static final AtomicIntegerFieldUpdater<BackendCall> STATE = AtomicIntegerFieldUpdater.newUpdater(BackendCall.class, "state");
    private static final AtomicIntegerFieldUpdater<BackendCall> CLOSED = AtomicIntegerFieldUpdater.newUpdater(BackendCall.class, "closed");
    private static final int WAITING = 0;
    private static final int HEADERS = 1;
    private static final int DONE = 2;

    private final ProxyExchange owner;
    private final Attempt attempt;
    private final InstanceTarget target;
    private volatile int state;
    private volatile int closed;
    private volatile BackendRequest request;
    private volatile boolean discarded;
    private volatile ResponseBodyPublisher publisher;
    private RequestBodyBridge.AttemptContent content;
    private long sentNanos;

    BackendCall(ProxyExchange owner, Attempt attempt, InstanceTarget target) {
        this.owner = requireNonNull(owner, "owner is null");
        this.attempt = requireNonNull(attempt, "attempt is null");
        this.target = requireNonNull(target, "target is null");
    }

    String instanceId() {
        return attempt.instance().id();
    }

    /** Builds the request and sends it to the instance. */
    void send() {
        HttpBackend backend = owner.backend();
        RouteSettings route = owner.route();
        var exchange = owner.exchange();
        String clientAuthority = exchange.request().authority();
        String host = route.preserveHost() ? clientAuthority : target.authority();
        BackendRequest outgoing = new BackendRequest(backend.client(), target.origin(), owner.path(), owner.query(),
                route.responseTimeoutMillis()).authority(host);
        outgoing.method(exchange.request().method());
        RequestBodyBridge body = owner.body();
        outgoing.headers(fields -> RequestHeaderWriter.write(exchange, route, host, clientAuthority, body != null, fields));
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
    void abort(Throwable cause) {
        BackendRequest outgoing = request;
        if (outgoing != null) {
            outgoing.abort(cause);
        }
    }

    /**
     * The exchange ended: after a failure, or with the body never relayed (a filter replaced the
     * response), the instance's response is abandoned.
     */
    void exchangeEnded(Throwable failure) {
        ResponseBodyPublisher body = publisher;
        if (failure != null || body == null || !body.isSubscribed()) {
            abort(failure != null ? failure : new CancellationException("the response was not relayed"));
            if (state == HEADERS) {
                close();
            }
        }
    }

    // --- Response.Listener

    @Override
    public void onHeaders(Response response) {
        int status = response.getStatus();
        if (HttpStatus.isInterim(status) || !STATE.compareAndSet(this, WAITING, HEADERS)) {
            return;
        }
        request.answered();
        if (content != null && owner.expectsContinue()) {
            content.refuse();
        }
        owner.backend().metrics().responded(status, System.nanoTime() - sentNanos);
        attempt.responded(status);
        if (owner.retriesStatus(status)) {
            discarded = true;
            response.abort(new CancellationException("a " + status + " response was discarded for a retry"));
            close();
            owner.retry(this);
            return;
        }
        owner.relay(response);
    }

    @Override
    public void onContentSource(Response response, Content.Source source) {
        if (discarded || HttpStatus.isInterim(response.getStatus())) {
            return;
        }
        ResponseBodyPublisher body = new ResponseBodyPublisher(source, this);
        publisher = body;
        owner.exchange().response().setBody(body);
        owner.succeed();
    }

    @Override
    public void onComplete(Result result) {
        if (discarded) {
            return;
        }
        int previous = STATE.getAndSet(this, DONE);
        if (previous == HEADERS) {
            if (publisher == null && result.isFailed()) {
                close();
                owner.fail(Failures.bodyFailure(owner.backend().name(), result.getFailure()));
            }
            return;
        }
        Throwable failure = result.getFailure();
        Attempt.Failure kind = owner.classify(failure);
        attempt.failed(kind);
        owner.backend().metrics().failed(kind);
        close();
        owner.attemptFailed(this, kind, failure);
    }

    // --- ResponseBodyPublisher.Listener

    @Override
    public void bodyCompleted() {
        close();
    }

    @Override
    public Throwable bodyFailed(Throwable failure) {
        owner.backend().metrics().bodyFailed();
        close();
        return Failures.bodyFailure(owner.backend().name(), failure);
    }

    @Override
    public void bodyCancelled() {
        abort(new CancellationException("the client stopped reading the response"));
        close();
    }

    /** Ends the attempt for the registry, once. */
    private void close() {
        if (CLOSED.compareAndSet(this, 0, 1)) {
            attempt.close();
        }
    }
}
