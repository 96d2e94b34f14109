package dev.tollgate.runtime.server;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

import static java.util.Objects.requireNonNull;

/**
 * Streams a response body publisher to Jetty: one buffer at a time, asking for the next only
 * when Jetty has written the previous one. So a slow client slows the publisher (and through
 * it, the backend) instead of filling memory, and a publisher may reuse a buffer once it sees
 * new demand.
 *
 * <p>The minimum data rate is the client's: bytes written divided by the time writes took to
 * complete, so a stream that is merely sparse (server-sent events, a gRPC watch) is never
 * mistaken for a slow client. A write that never completes is ended by the idle timeout.
 *
 * <p>Jetty calls back from whatever thread completed the write, possibly inline; the
 * publisher must trampoline {@code request} as Reactive Streams requires, so this does not
 * recurse.
 */
final class ResponseWriter implements Flow.Subscriber<ByteBuffer>, Callback {
    private static final long RATE_GRACE_NANOS = 1_000_000_000L;

    private final ResponseSender sender;
    private final Response response;
    private final long minDataRate;
    private Flow.Subscription subscription;
    private long bytesWritten;
    private long writingNanos;
    private long writeStartNanos;
    /** A write is with Jetty; the publisher's completion waits for it (under this). */
    private boolean writing;
    /** The publisher completed while a write was with Jetty: the last write follows that one (under this). */
    private boolean completeAfterWrite;

    ResponseWriter(ResponseSender sender, Response response, long minDataRate) {
        this.sender = requireNonNull(sender, "sender is null");
        this.response = requireNonNull(response, "response is null");
        this.minDataRate = minDataRate;
    }

    @Override
    public void onSubscribe(Flow.Subscription newSubscription) {
        if (subscription != null) {
            newSubscription.cancel();
            return;
        }
        subscription = newSubscription;
        sender.requestMore(newSubscription);
    }

    @Override
    public void onNext(ByteBuffer buffer) {
        int size = buffer.remaining();
        if (size == 0) {
            sender.requestMore(subscription);
            return;
        }
        bytesWritten += size;
        if (minDataRate > 0) {
            writeStartNanos = System.nanoTime();
        }
        synchronized (this) {
            writing = true;
        }
        response.write(false, buffer, this);
    }

    @Override
    public void onError(Throwable failure) {
        sender.bodyFailed(failure);
    }

    /**
     * The body is complete: the response's last write — once the previous write completed, since a
     * publisher may complete without waiting for demand, and Jetty takes one write at a time.
     */
    @Override
    public void onComplete() {
        synchronized (this) {
            if (writing) {
                completeAfterWrite = true;
                return;
            }
        }
        sender.bodyCompleted();
    }

    /** The previous write completed: ask for the next buffer, unless the client reads too slowly. */
    @Override
    public void succeeded() {
        boolean complete;
        synchronized (this) {
            writing = false;
            complete = completeAfterWrite;
        }
        if (complete) {
            sender.bodyCompleted();
            return;
        }
        if (minDataRate > 0) {
            writingNanos += System.nanoTime() - writeStartNanos;
            if (writingNanos > RATE_GRACE_NANOS && bytesWritten * 1_000_000_000L / writingNanos < minDataRate) {
                subscription.cancel();
                sender.abort(new java.util.concurrent.TimeoutException(
                        "client reads the response slower than " + minDataRate + " bytes per second"));
                return;
            }
        }
        sender.requestMore(subscription);
    }

    /** The write failed (client gone, timeout): stop the publisher and end the exchange. */
    @Override
    public void failed(Throwable failure) {
        subscription.cancel();
        sender.abort(failure);
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }
}
