package dev.tollgate.api.http;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * A body read from a pull-based source of chunks — a socket's input as Jetty's
 * {@code Content.Source} offers it, a file channel — published as the
 * {@code Flow.Publisher<ByteBuffer>} the SPI's bodies are. Subclasses adapt their source; this
 * class owns the Reactive Streams part once for the runtime and every plugin: demand, one
 * subscriber, cancellation, ordering, and no recursion when a subscriber requests from
 * {@code onNext} (rule 3.3).
 *
 * <p>How it reads: for each unit of demand it calls {@link #read()}; a chunk with bytes is
 * delivered, an empty one skipped; when {@code read} has nothing ready it calls {@link #demand()},
 * and the subclass arranges for {@link #dataAvailable()} to be called once when reading may
 * succeed again — without blocking, so no thread waits for a slow peer. A chunk that
 * {@link #isLast is last} completes the body once the subscriber has asked for more after its
 * final buffer; a chunk that carries a {@link #failure} fails it.
 *
 * <p>Buffer ownership follows the SPI: a delivered chunk is {@link #release released} when the
 * subscriber asks for more (or cancels, or the body ends), so a subscriber that requests one
 * buffer at a time owns each until its next {@code request}, and one that keeps a buffer longer
 * must copy it.
 *
 * <p>Thread-safety: {@code request} and {@code cancel} may come from any thread; every call into
 * the subclass and the subscriber is made from one drain loop at a time.
 *
 * @param <C> the source's chunk type
 * @since 1.2
 */
public abstract class ChunkPublisher<C> implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();

    private volatile Flow.Subscriber<? super ByteBuffer> subscriber;
    private volatile boolean cancelled;
    private volatile boolean awaitingData;
    private volatile Throwable failLater;
    // Only touched inside the drain loop.
    private C current;
    private boolean pendingComplete;
    private boolean terminated;

    protected ChunkPublisher() {
    }

    /** The next chunk, or {@code null} when none is ready now. */
    protected abstract C read();

    /** Arranges for {@link #dataAvailable()} to be called once when {@link #read()} may return a chunk. */
    protected abstract void demand();

    /** The chunk's bytes. */
    protected abstract ByteBuffer buffer(C chunk);

    /** Whether no chunk follows this one. */
    protected abstract boolean isLast(C chunk);

    /** The failure a chunk carries, or {@code null} for a chunk of data. */
    protected abstract Throwable failure(C chunk);

    /** Gives a chunk back to the source. */
    protected abstract void release(C chunk);

    /**
     * Called for every chunk of data before it is delivered (also an empty or last one): a hook
     * for limits and for what a chunk carries besides bytes (trailers). Return a failure to end
     * the body with it instead; the chunk is then released.
     */
    protected Throwable accept(C chunk, ByteBuffer buffer) {
        return null;
    }

    /** The body completed: the subscriber got every buffer. */
    protected void completed() {
    }

    /** The subscriber cancelled: stop the source (abort the response, reset the stream). */
    protected void cancelled() {
    }

    /** The source failed; returns what the subscriber is told (a mapped error, or {@code failure}). */
    protected Throwable failed(Throwable failure) {
        return failure;
    }

    /** Whether a subscriber has subscribed. */
    public final boolean isSubscribed() {
        return subscriber != null;
    }

    /** Called by the subclass when data may be read again, after {@link #demand()}. */
    protected final void dataAvailable() {
        awaitingData = false;
        drain();
    }

    @Override
    public final void subscribe(Flow.Subscriber<? super ByteBuffer> newSubscriber) {
        requireNonNull(newSubscriber, "subscriber is null");
        synchronized (this) {
            if (subscriber != null) {
                newSubscriber.onSubscribe(Bodies.NO_SUBSCRIPTION);
                newSubscriber.onError(new IllegalStateException("this body can be subscribed only once"));
                return;
            }
            subscriber = newSubscriber;
        }
        newSubscriber.onSubscribe(this);
    }

    @Override
    public final void request(long n) {
        if (n <= 0) {
            failLater = new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)");
            cancelled = true;
        }
        else {
            demand.getAndAccumulate(n, (previous, added) -> previous + added < 0 ? Long.MAX_VALUE : previous + added);
        }
        drain();
    }

    @Override
    public final void cancel() {
        cancelled = true;
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
            cancelled();
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
                completed();
                target.onComplete();
                return;
            }
            if (demand.get() == 0 || awaitingData) {
                return;
            }
            releaseCurrent();
            C chunk = read();
            if (chunk == null) {
                awaitingData = true;
                demand();
                return;
            }
            Throwable failure = failure(chunk);
            if (failure != null) {
                terminated = true;
                release(chunk);
                target.onError(failed(failure));
                return;
            }
            ByteBuffer buffer = buffer(chunk);
            Throwable refused = accept(chunk, buffer);
            if (refused != null) {
                terminated = true;
                release(chunk);
                target.onError(refused);
                return;
            }
            if (isLast(chunk)) {
                pendingComplete = true;
            }
            if (!buffer.hasRemaining()) {
                release(chunk);
                continue;
            }
            current = chunk;
            demand.decrementAndGet();
            target.onNext(buffer);
        }
    }

    private void releaseCurrent() {
        if (current != null) {
            C chunk = current;
            current = null;
            release(chunk);
        }
    }
}
