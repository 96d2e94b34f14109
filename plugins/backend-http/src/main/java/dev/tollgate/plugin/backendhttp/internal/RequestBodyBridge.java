package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

import static java.util.Objects.requireNonNull;

/**
 * The client's request body ({@code Flow.Publisher<ByteBuffer>}) as the body of a Jetty client
 * request ({@link Request.Content}), streamed without copying and demand-driven both ways.
 *
 * <p>One buffer is in flight at a time: the bridge asks the client's publisher for the next buffer
 * only when Jetty has released the previous one (written it to the instance), so the publisher
 * may recycle each buffer as the SPI allows, and a slow instance slows the client. Nothing is read
 * from the client before Jetty asks for content, so an {@code Expect: 100-continue} request lets
 * the instance's {@code 100 Continue} (or its refusal) through before the client sends its body.
 *
 * <p>One bridge serves every attempt of an exchange: each attempt reads through its own
 * {@link #newContent view}. While no byte has gone to an instance ({@link #isConsumed()} false),
 * a failed attempt leaves the subscription to the client's body intact for the next one; once
 * bytes went out, the body cannot be sent again and a failed attempt cancels it.
 *
 * <p>Thread-safe: the publisher signals on the server's threads, Jetty reads on the client's.
 * Callbacks run outside the lock.
 */
final class RequestBodyBridge implements Flow.Subscriber<ByteBuffer> {
    private final Flow.Publisher<ByteBuffer> publisher;
    private final long length;

    // Guarded by this.
    private Flow.Subscription subscription;
    private boolean subscribing;
    private boolean requested;
    private ByteBuffer pending;
    private boolean completed;
    private Throwable failure;
    private boolean cancelled;
    private boolean consumed;
    private boolean delivered;
    private boolean outstanding;
    private View view;
    private Runnable demandCallback;

    /**
     * @param publisher the client's body
     * @param length its length, or -1 when unknown (chunked, HTTP/2)
     */
    RequestBodyBridge(Flow.Publisher<ByteBuffer> publisher, long length) {
        this.publisher = requireNonNull(publisher, "publisher is null");
        this.length = length;
    }

    /** The body's length, or -1 when unknown. */
    long length() {
        return length;
    }

    /**
     * Subscribes now and asks for the first buffer, so that a body of unknown length that is in
     * fact empty (a GET over HTTP/2) shows as {@link #isEmpty()} at once: the runtime delivers the
     * end of an empty body synchronously.
     */
    void start() {
        subscribeIfNeeded(true);
    }

    /** Whether the body ended without a byte. */
    synchronized boolean isEmpty() {
        return completed && pending == null && !delivered;
    }

    /** Whether bytes have gone to an instance, so that the body cannot be sent again. */
    synchronized boolean isConsumed() {
        return consumed;
    }

    /** The failure of the client's body (too large, too slow, the client gone), or null. */
    synchronized Throwable clientFailure() {
        return failure;
    }

    /**
     * A new view for one attempt; the previous attempt's view is detached (its reads fail).
     *
     * @param onEnd told once when Jetty reads the end of the body (the request is then sent)
     */
    AttemptContent newContent(Runnable onEnd) {
        View created = new View(requireNonNull(onEnd, "onEnd is null"));
        synchronized (this) {
            view = created;
            demandCallback = null;
        }
        return created;
    }

    /** Stops reading the client's body (the exchange ended, or no attempt will need it). */
    void cancel() {
        Flow.Subscription toCancel;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            pending = null;
            toCancel = subscription;
        }
        if (toCancel != null) {
            toCancel.cancel();
        }
    }

    // --- Flow.Subscriber: the client's body

    @Override
    public void onSubscribe(Flow.Subscription newSubscription) {
        boolean request;
        boolean cancel;
        synchronized (this) {
            cancel = cancelled || subscription != null;
            if (!cancel) {
                subscription = newSubscription;
            }
            request = !cancel && requested;
        }
        if (cancel) {
            newSubscription.cancel();
        }
        else if (request) {
            newSubscription.request(1);
        }
    }

    @Override
    public void onNext(ByteBuffer buffer) {
        Runnable callback;
        synchronized (this) {
            requested = false;
            if (cancelled) {
                return;
            }
            pending = buffer;
            delivered = true;
            callback = takeDemand();
        }
        run(callback);
    }

    @Override
    public void onError(Throwable error) {
        Runnable callback;
        synchronized (this) {
            failure = error;
            callback = takeDemand();
        }
        run(callback);
    }

    @Override
    public void onComplete() {
        Runnable callback;
        synchronized (this) {
            completed = true;
            callback = takeDemand();
        }
        run(callback);
    }

    // --- helpers

    private Runnable takeDemand() {
        Runnable callback = demandCallback;
        demandCallback = null;
        return callback;
    }

    private static void run(Runnable callback) {
        if (callback != null) {
            callback.run();
        }
    }

    /** Subscribes on first use; with {@code request}, also asks for the next buffer. */
    private void subscribeIfNeeded(boolean request) {
        boolean subscribe;
        Flow.Subscription toRequest = null;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            if (request && !requested && !outstanding && pending == null && !completed && failure == null) {
                requested = true;
                toRequest = subscription;
            }
            subscribe = subscription == null && !subscribing;
            if (subscribe) {
                subscribing = true;
            }
        }
        if (subscribe) {
            publisher.subscribe(this);
        }
        else if (toRequest != null) {
            toRequest.request(1);
        }
    }

    /** The buffer Jetty took has been written: let the publisher recycle it and send the next. */
    private void released() {
        synchronized (this) {
            outstanding = false;
        }
        subscribeIfNeeded(true);
    }

    /** One attempt's view of the body, as Jetty reads it. */
    interface AttemptContent extends Request.Content {
        /**
         * Refuses to read the client's body for this attempt from now on: the instance answered
         * an {@code Expect: 100-continue} request without asking for it, so the client must not
         * be told to send it (Jetty's client may still ask for content as it winds the request
         * down).
         */
        void refuse();
    }

    private final class View implements AttemptContent {
        private final Runnable onEnd;
        private final Runnable release = RequestBodyBridge.this::released;
        private boolean ended;
        private volatile boolean refused;

        View(Runnable onEnd) {
            this.onEnd = onEnd;
        }

        @Override
        public void refuse() {
            refused = true;
        }

        @Override
        public long getLength() {
            return length;
        }

        @Override
        public String getContentType() {
            return null;
        }

        @Override
        public Content.Chunk read() {
            boolean end = false;
            Content.Chunk chunk;
            synchronized (RequestBodyBridge.this) {
                if (refused && !consumed) {
                    return Content.Chunk.from(new IllegalStateException("the instance answered without asking for the body"),
                            true);
                }
                if (view != this) {
                    return Content.Chunk.from(new IllegalStateException("the body went to another attempt"), true);
                }
                if (pending != null) {
                    ByteBuffer buffer = pending;
                    pending = null;
                    consumed = true;
                    outstanding = true;
                    return Content.Chunk.from(buffer, false, release);
                }
                if (failure != null) {
                    return Content.Chunk.from(failure, true);
                }
                if (cancelled) {
                    return Content.Chunk.from(new IllegalStateException("the request body was cancelled"), true);
                }
                if (completed) {
                    end = !ended;
                    ended = true;
                    chunk = Content.Chunk.EOF;
                }
                else {
                    chunk = null;
                }
            }
            if (end) {
                onEnd.run();
            }
            if (chunk == null) {
                subscribeIfNeeded(true);
            }
            return chunk;
        }

        @Override
        public void demand(Runnable callback) {
            boolean now;
            synchronized (RequestBodyBridge.this) {
                now = view != this || refused && !consumed || pending != null || completed || failure != null || cancelled;
                if (!now) {
                    demandCallback = callback;
                }
            }
            if (now) {
                callback.run();
            }
            else {
                subscribeIfNeeded(true);
            }
        }

        @Override
        public void fail(Throwable cause) {
            boolean cancel;
            synchronized (RequestBodyBridge.this) {
                if (view == this) {
                    demandCallback = null;
                }
                cancel = view == this && consumed;
            }
            if (cancel) {
                cancel();
            }
        }

        @Override
        public boolean rewind() {
            return false;
        }
    }
}
