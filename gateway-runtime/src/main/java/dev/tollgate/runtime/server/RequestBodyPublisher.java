package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Headers;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * The request body as a {@link Flow.Publisher}, read from Jetty only as fast as the subscriber
 * asks: each {@code request(n)} reads up to n chunks, and when Jetty has none ready it registers
 * a non-blocking demand callback, so a streaming exchange never parks a thread.
 *
 * <p>Buffer ownership follows the SPI: a delivered chunk is released once the subscriber has
 * demand outstanding again, and completion waits for that too, so a subscriber writing each
 * buffer asynchronously may use it until its next {@code request}.
 *
 * <p>All signals come from one drain loop guarded by a work-in-progress counter, so a
 * subscriber calling {@code request} from {@code onNext} does not recurse (Reactive Streams
 * rule 3.3).
 */
final class RequestBodyPublisher implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
    private static final long RATE_GRACE_NANOS = 1_000_000_000L;

    private final Request request;
    private final long maxBodySize;
    private final long minDataRate;
    private final Runnable onDataAvailable = Invocable.from(Invocable.InvocationType.NON_BLOCKING, this::dataAvailable);
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();

    private volatile Flow.Subscriber<? super ByteBuffer> subscriber;
    private volatile boolean cancelled;
    private volatile boolean awaitingData;
    private volatile Throwable failLater;
    // Only touched inside the drain loop.
    private Content.Chunk current;
    private boolean pendingComplete;
    private boolean terminated;
    private long bytesRead;
    /** Time spent waiting for the client's bytes while the subscriber wanted them. */
    private long waitingNanos;
    private long waitStartNanos;
    private Headers trailers;

    RequestBodyPublisher(Request request, long maxBodySize, long minDataRate) {
        this.request = requireNonNull(request, "request is null");
        this.maxBodySize = maxBodySize;
        this.minDataRate = minDataRate;
    }

    /** Trailers received with the body, or {@code null}. */
    Headers trailers() {
        return trailers;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> newSubscriber) {
        requireNonNull(newSubscriber, "subscriber is null");
        synchronized (this) {
            if (subscriber != null) {
                newSubscriber.onSubscribe(NoSubscription.INSTANCE);
                newSubscriber.onError(new IllegalStateException("the request body can be subscribed only once"));
                return;
            }
            subscriber = newSubscriber;
        }
        newSubscriber.onSubscribe(this);
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            cancelled = true;
            failLater = new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)");
        }
        else {
            demand.getAndAccumulate(n, (current, added) -> current + added < 0 ? Long.MAX_VALUE : current + added);
        }
        drain();
    }

    @Override
    public void cancel() {
        cancelled = true;
        drain();
    }

    private void dataAvailable() {
        awaitingData = false;
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            drainOnce();
            missed = wip.addAndGet(-missed);
        }
        while (missed != 0);
    }

    private void drainOnce() {
        Flow.Subscriber<? super ByteBuffer> target = subscriber;
        if (terminated || target == null) {
            return;
        }
        if (cancelled) {
            terminated = true;
            releaseCurrent();
            Throwable failure = failLater;
            if (failure != null) {
                target.onError(failure);
            }
            return;
        }
        while (true) {
            if (pendingComplete && (current == null || demand.get() > 0)) {
                releaseCurrent();
                terminated = true;
                target.onComplete();
                return;
            }
            if (demand.get() == 0 || awaitingData) {
                return;
            }
            releaseCurrent();
            if (waitStartNanos != 0) {
                waitingNanos += System.nanoTime() - waitStartNanos;
                waitStartNanos = 0;
            }
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                if (minDataRate > 0) {
                    waitStartNanos = System.nanoTime();
                }
                awaitingData = true;
                request.demand(onDataAvailable);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                terminated = true;
                chunk.release();
                target.onError(mapFailure(chunk.getFailure()));
                return;
            }
            if (chunk instanceof Trailers withTrailers) {
                trailers = JettyHeaders.copyOnWrite(withTrailers.getTrailers());
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            int size = buffer.remaining();
            if (chunk.isLast()) {
                pendingComplete = true;
            }
            if (size == 0) {
                chunk.release();
                continue;
            }
            bytesRead += size;
            GatewayException limit = checkLimits();
            if (limit != null) {
                terminated = true;
                chunk.release();
                target.onError(limit);
                return;
            }
            current = chunk;
            demand.decrementAndGet();
            target.onNext(buffer);
        }
    }

    private GatewayException checkLimits() {
        if (bytesRead > maxBodySize) {
            return new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds " + maxBodySize + " bytes");
        }
        if (minDataRate > 0) {
            // Only the time spent waiting for the client counts: a backend slow to take the body
            // is not the client's fault.
            if (waitingNanos > RATE_GRACE_NANOS && bytesRead * 1_000_000_000L / waitingNanos < minDataRate) {
                return new GatewayException(ErrorCode.REQUEST_TIMEOUT,
                        "request body arrives slower than " + minDataRate + " bytes per second");
            }
        }
        return null;
    }

    private void releaseCurrent() {
        if (current != null) {
            current.release();
            current = null;
        }
    }

    private static Throwable mapFailure(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return new GatewayException(ErrorCode.REQUEST_TIMEOUT, "timed out reading the request body", failure);
        }
        if (failure instanceof GatewayException) {
            return failure;
        }
        if (failure instanceof org.eclipse.jetty.http.HttpException httpException) {
            return new GatewayException(ErrorCode.forHttpStatus(httpException.getCode()),
                    httpException.getReason() == null ? "bad request body" : httpException.getReason(), failure);
        }
        return failure;
    }

    /** For a second subscriber, which is refused. */
    enum NoSubscription implements Flow.Subscription {
        INSTANCE;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
