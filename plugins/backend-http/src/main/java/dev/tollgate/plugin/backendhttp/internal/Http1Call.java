package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;

import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;


/**
 * One attempt of a {@link ProxyExchange} over the gateway's own HTTP/1.1 connections
 * ({@link Http1Connection}): the request head built once, a connection taken from the instance's
 * {@link Http1Pool}, and the response relayed — as one buffer when it arrived whole with its
 * headers, else streamed through a {@link ResponseBodyPublisher} that reads the connection as the
 * client's side asks for more (this call is that publisher's {@link Content.Source}).
 *
 * <p>Life cycle and threads are those of {@link BackendCall}: the outcome is decided once by a
 * compare-and-set on {@link #state} — the response's head arrived (on the connection's reading
 * thread) or the attempt failed (connect failure, timeout, reset, the client went away) — and the
 * loop then delivers or discards the call. A delivered call's attempt is closed when its body has
 * been relayed, has failed or was abandoned.
 */
final class Http1Call extends AbstractCall implements Http1Pool.Waiter, Content.Source {
    private static final AtomicIntegerFieldUpdater<Http1Call> STATE = AtomicIntegerFieldUpdater.newUpdater(Http1Call.class, "state");
    private static final int WAITING = 0;
    private static final int ANSWERED = 1;
    private static final int FAILED = 2;

    private volatile int state;
    private volatile Http1Connection connection;
    private volatile boolean aborted;
    private volatile boolean delivered;
    private volatile boolean discarded;
    private MetaData.Request request;
    private RequestBodyBridge.AttemptContent content;
    private boolean head;
    private long sentNanos;
    // The response, written by the reading thread before the outcome completes.
    private int status;
    private HttpVersion version;
    private HttpFields fields;
    private ByteBuffer whole;
    private volatile HttpFields trailers;
    private volatile ResponseBodyPublisher publisher;
    private volatile Runnable demandCallback;

    Http1Call(ProxyExchange owner, Attempt attempt, InstanceTarget target) {
        super(owner, attempt, target);
    }

    @Override
    public void send() {
        HttpBackend backend = owner.backend();
        RouteSettings route = owner.route();
        Exchange exchange = owner.exchange();
        Exchange.Request clientRequest = exchange.request();
        String clientAuthority = clientRequest.authority();
        String host = upstreamHost(clientAuthority);
        RequestBodyBridge body = owner.body();
        HttpFields.Mutable headers = HttpFields.build(clientRequest.headers().size() + 8);
        RequestHeaderWriter.write(exchange, route, backend, host, clientAuthority, body != null, headers);
        String method = clientRequest.method();
        head = "HEAD".equals(method);
        long length = -1;
        if (body != null) {
            content = body.newContent(() -> { });
            length = body.length();
        }
        HttpURI uri = HttpURI.from(null, null, -1, owner.path(), owner.query(), null);
        request = new MetaData.Request(method, uri, HttpVersion.HTTP_1_1, headers, length,
                body != null && length < 0 ? owner::requestTrailers : null);
        Exchange.Connection client = exchange.connection();
        target.http1().acquire(this, client != null ? client.eventLoop() : null);
    }

    // --- Http1Pool.Waiter

    @Override
    public boolean connectionReady(Http1Connection ready) {
        if (aborted) {
            return false;
        }
        connection = ready;
        if (aborted) {
            connection = null;
            return false;
        }
        sentNanos = System.nanoTime();
        ready.send(this, request, content, head, owner.route().idleTimeoutMillis());
        return true;
    }

    @Override
    public void connectionFailed(Throwable failure) {
        failed(failure);
    }

    // --- from the connection

    boolean isHead() {
        return head;
    }

    /** Whether the response's head was taken (failures of the connection then reach its body only). */
    boolean isAnswered() {
        return state == ANSWERED;
    }

    /** The request went out whole: the response timeout starts. */
    void requestSent() {
        Http1Connection current = connection;
        if (current != null && state == WAITING) {
            current.awaitResponse(this, owner.route().responseTimeoutMillis());
        }
    }

    /**
     * The response's final head arrived, with its whole body ({@code body}, possibly empty) or
     * with a body still to stream ({@code body} null). Returns whether the call takes it (it has
     * not failed or been aborted); then {@link #announce} tells the retry loop.
     */
    boolean responseReceived(int responseStatus, HttpVersion responseVersion, HttpFields responseFields, ByteBuffer body,
                             HttpFields responseTrailers) {
        status = responseStatus;
        version = responseVersion;
        fields = responseFields;
        whole = body;
        trailers = responseTrailers;
        if (!STATE.compareAndSet(this, WAITING, ANSWERED)) {
            if (body == null) {
                abortConnection(new CancellationException("the exchange ended before the response arrived"));
            }
            return false;
        }
        return true;
    }

    /** Completes the outcome with the response taken by {@link #responseReceived}. */
    void announce() {
        owner.backend().metrics().responded(status, System.nanoTime() - sentNanos);
        outcome.complete(Outcome.status(status, this));
    }

    /** The attempt failed before its response's head; after it, failures reach the body instead. */
    void failed(Throwable failure) {
        if (!STATE.compareAndSet(this, WAITING, FAILED)) {
            return;
        }
        Throwable clientFailure = owner.clientFailure();
        Attempt.Failure kind = clientFailure != null || aborted || owner.hasEnded() ? Attempt.Failure.CANCELLED : Failures.classify(failure);
        owner.backend().metrics().failed(kind);
        outcome.complete(Outcome.failure(kind, clientFailure != null ? clientFailure : failure));
    }

    /** The response's trailers, read at the end of a streamed body. */
    void trailers(HttpFields responseTrailers) {
        trailers = responseTrailers;
    }

    /** The connection has bytes (or a failure) for the streaming body. */
    void bodyReadable() {
        Runnable callback = demandCallback;
        if (callback != null) {
            demandCallback = null;
            callback.run();
        }
    }

    // --- the retry loop's decisions

    @Override
    public void abort(Throwable cause) {
        aborted = true;
        Http1Connection current = connection;
        if (current == null) {
            target.http1().cancel(this);
            failed(cause);
            return;
        }
        if (whole == null || state != ANSWERED) {
            abortConnection(cause);
        }
    }

    private void abortConnection(Throwable cause) {
        Http1Connection current = connection;
        if (current != null) {
            current.abort(this, cause);
        }
    }

    @Override
    public void deliver() {
        delivered = true;
        if (owner.hasEnded()) {
            exchangeEnded(owner.endedWith());
            owner.fail(new CancellationException("the exchange ended before the response was relayed"));
            return;
        }
        owner.relay(status, version, fields, whole == null ? this::trailersForClient : null);
        Exchange.Response response = owner.exchange().response();
        if (whole != null) {
            response.setBody(whole);
            close();
        }
        else {
            ResponseBodyPublisher body = new ResponseBodyPublisher(this, this);
            publisher = body;
            response.setBody(body);
        }
        owner.succeed();
    }

    private HttpFields trailersForClient() {
        return trailers;
    }

    @Override
    public void discard() {
        discarded = true;
        if (whole == null) {
            abortConnection(new CancellationException("a " + status + " response was discarded"));
        }
    }

    @Override
    public void exchangeEnded(Throwable failure) {
        ResponseBodyPublisher body = publisher;
        boolean abandoned = failure != null || whole == null && (body == null || !body.isSubscribed());
        if (abandoned) {
            abort(failure != null ? failure : new CancellationException("the response was not relayed"));
        }
        // A delivered attempt ends here unless its streamed body is still being relayed (its end closes it).
        if (delivered && (abandoned || whole != null)) {
            close();
        }
    }

    // --- Content.Source: the streamed body, for ResponseBodyPublisher

    @Override
    public Content.Chunk read() {
        return connection.readBody(this);
    }

    @Override
    public void demand(Runnable callback) {
        demandCallback = callback;
        connection.demandBody();
    }

    @Override
    public void fail(Throwable failure) {
        abortConnection(failure);
    }

    @Override
    void abandonResponse(Throwable cause) {
        abortConnection(cause);
    }

    @Override
    public String toString() {
        return "Http1Call[" + target.address() + ", state=" + state + "]";
    }
}
