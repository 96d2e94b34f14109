package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * An instance's response body (Jetty's {@link Content.Source}) as the {@code Flow.Publisher} the
 * runtime streams to the client: each {@code request(n)} reads up to n chunks; when Jetty has none
 * ready it registers a non-blocking demand callback, so no thread waits and Jetty may call back
 * on the selector thread that read the bytes.
 *
 * <p>Nothing is copied or buffered here: a delivered chunk is released when the subscriber asks for
 * the next one (the runtime asks only once it has written the previous), so at most one chunk per
 * exchange is held and a slow client slows the instance through flow control.
 *
 * <p>All signals come from one drain loop guarded by a work-in-progress counter, so a subscriber
 * calling {@code request} from {@code onNext} does not recurse (Reactive Streams rule 3.3).
 * Cancelling (the client went away) aborts the instance's response: an HTTP/2 stream is reset, an
 * HTTP/1.1 connection closed. The {@link Listener} learns once how the body ended.
 */
final class ResponseBodyPublisher implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
    private final Content.Source source;
    private final Listener listener;
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

    ResponseBodyPublisher(Content.Source source, Listener listener) {
        this.source = requireNonNull(source, "source is null");
        this.listener = requireNonNull(listener, "listener is null");
    }

    /** Whether the runtime has subscribed, that is, started relaying the body. */
    boolean isSubscribed() {
        return subscriber != null;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> newSubscriber) {
        requireNonNull(newSubscriber, "subscriber is null");
        synchronized (this) {
            if (subscriber != null) {
                newSubscriber.onSubscribe(NoSubscription.INSTANCE);
                newSubscriber.onError(new IllegalStateException("a response body can be subscribed only once"));
                return;
            }
            subscriber = newSubscriber;
        }
        newSubscriber.onSubscribe(this);
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            failLater = new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)");
            cancelled = true;
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
            listener.bodyCancelled();
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
                listener.bodyCompleted();
                target.onComplete();
                return;
            }
            if (demand.get() == 0 || awaitingData) {
                return;
            }
            releaseCurrent();
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                awaitingData = true;
                source.demand(onDataAvailable);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                terminated = true;
                Throwable failure = chunk.getFailure();
                chunk.release();
                target.onError(listener.bodyFailed(failure));
                return;
            }
            if (chunk.isLast()) {
                pendingComplete = true;
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            if (!buffer.hasRemaining()) {
                chunk.release();
                continue;
            }
            current = chunk;
            demand.decrementAndGet();
            target.onNext(buffer);
        }
    }

    private void releaseCurrent() {
        if (current != null) {
            current.release();
            current = null;
        }
    }

    /** How the body ended; each method is called at most once, and only one of them. */
    interface Listener {
        /** The last byte was handed to the subscriber. */
        void bodyCompleted();

        /** The instance failed mid-body; returns the error to signal to the subscriber. */
        Throwable bodyFailed(Throwable failure);

        /** The subscriber cancelled (the client went away): the instance's response must be aborted. */
        void bodyCancelled();
    }

    /** For a second subscriber, which is refused. */
    private enum NoSubscription implements Flow.Subscription {
        INSTANCE;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
