package dev.tollgate.runtime.server;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * Publishes one buffer held in memory (a buffered request body, a fixed response body) to any
 * number of subscribers, each receiving its own read-only view.
 */
final class ByteBufferPublisher implements Flow.Publisher<ByteBuffer> {
    static final ByteBufferPublisher EMPTY = new ByteBufferPublisher(ByteBuffer.allocate(0));

    private final ByteBuffer content;

    ByteBufferPublisher(ByteBuffer content) {
        this.content = requireNonNull(content, "content is null").asReadOnlyBuffer();
    }

    /** The content as a new read-only view. */
    ByteBuffer content() {
        return content.duplicate();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        requireNonNull(subscriber, "subscriber is null");
        AtomicBoolean done = new AtomicBoolean();
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (!done.compareAndSet(false, true)) {
                    return;
                }
                if (n <= 0) {
                    subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)"));
                    return;
                }
                if (content.hasRemaining()) {
                    subscriber.onNext(content.duplicate());
                }
                subscriber.onComplete();
            }

            @Override
            public void cancel() {
                done.set(true);
            }
        });
    }
}
