package dev.tollgate.api.http;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static java.util.Objects.requireNonNull;

/**
 * Bodies for filters, backends and endpoints that transform them without writing Reactive
 * Streams code: in-memory bodies, a buffer-by-buffer {@link #map}, a {@link #tee} that watches
 * a body go by, and {@link #collect} to read one whole. The streaming ones keep the source's
 * flow control (one buffer out for one buffer asked) and its buffer ownership rules (see
 * {@link Exchange.Request#body()}).
 *
 * <p>To replace a body, set the new publisher: {@code exchange.response().setBody(Bodies.map(
 * exchange.response().body(), this::redact))}. The runtime keeps {@code Content-Length} right:
 * a body set without a length goes out without one (chunked on HTTP/1.1).
 *
 * @since 1.2
 */
public final class Bodies {
    static final Flow.Subscription NO_SUBSCRIPTION = new Flow.Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    };

    private static final Flow.Publisher<ByteBuffer> EMPTY = of(ByteBuffer.allocate(0));

    private Bodies() {
    }

    /** An empty body. */
    public static Flow.Publisher<ByteBuffer> empty() {
        return EMPTY;
    }

    /**
     * A body held in memory. It may be subscribed any number of times; each subscriber gets the
     * content in one read-only buffer. {@code content} is not copied: do not change it afterwards.
     */
    public static Flow.Publisher<ByteBuffer> of(ByteBuffer content) {
        return new InMemory(content);
    }

    /** A text body, UTF-8 encoded. */
    public static Flow.Publisher<ByteBuffer> of(String text) {
        return new InMemory(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The content of a body made with {@link #of}, as a new read-only view, or {@code null} for a
     * body that is not in memory. Lets the runtime write an in-memory body in one go.
     */
    public static ByteBuffer contentOf(Flow.Publisher<ByteBuffer> body) {
        return body instanceof InMemory inMemory ? inMemory.content.duplicate() : null;
    }

    /**
     * A body whose every buffer is {@code mapper} applied to the source's. The mapper may return
     * the buffer it was given (changed in place), a new one, or an empty one to drop the bytes; it
     * runs on whatever thread delivers the source's buffer and must not block. A mapper that
     * throws fails the body with that exception and cancels the source.
     */
    public static Flow.Publisher<ByteBuffer> map(Flow.Publisher<ByteBuffer> body, UnaryOperator<ByteBuffer> mapper) {
        requireNonNull(body, "body is null");
        requireNonNull(mapper, "mapper is null");
        return subscriber -> body.subscribe(new Mapping(requireNonNull(subscriber, "subscriber is null"), mapper));
    }

    /**
     * A body that shows {@code observer} a read-only view of every buffer before passing it on
     * unchanged: hashing, counting, logging, mirroring to another sink (which must copy what it
     * keeps). An observer that throws fails the body and cancels the source.
     */
    public static Flow.Publisher<ByteBuffer> tee(Flow.Publisher<ByteBuffer> body, Consumer<ByteBuffer> observer) {
        requireNonNull(observer, "observer is null");
        return map(body, buffer -> {
            observer.accept(buffer.asReadOnlyBuffer());
            return buffer;
        });
    }

    /**
     * Reads a whole body into one buffer. Fails with {@code PAYLOAD_TOO_LARGE} as soon as more
     * than {@code limit} bytes arrive (the source is cancelled, nothing more is read), or with the
     * body's own failure.
     */
    public static CompletionStage<ByteBuffer> collect(Flow.Publisher<ByteBuffer> body, long limit) {
        return collect(body, limit, () -> new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                "body exceeds the " + limit + " bytes that may be held in memory"));
    }

    /**
     * Reads a whole body into one buffer, failing with what {@code tooLarge} supplies as soon as
     * more than {@code limit} bytes arrive.
     */
    public static CompletionStage<ByteBuffer> collect(Flow.Publisher<ByteBuffer> body, long limit,
                                                      Supplier<? extends Throwable> tooLarge) {
        requireNonNull(body, "body is null");
        requireNonNull(tooLarge, "tooLarge is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        ByteBuffer inMemory = contentOf(body);
        if (inMemory != null) {
            return inMemory.remaining() > limit
                    ? CompletableFuture.failedFuture(tooLarge.get())
                    : CompletableFuture.completedFuture(inMemory);
        }
        CompletableFuture<ByteBuffer> result = new CompletableFuture<>();
        body.subscribe(new Collector(limit, tooLarge, result));
        return result;
    }

    /** One buffer for every subscriber. */
    private static final class InMemory implements Flow.Publisher<ByteBuffer> {
        private final ByteBuffer content;

        InMemory(ByteBuffer content) {
            this.content = requireNonNull(content, "content is null").asReadOnlyBuffer();
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

    /**
     * Applies a mapper to each buffer. Demand passes through one for one; a buffer mapped to
     * nothing is replaced by asking the source for one more.
     */
    private static final class Mapping implements Flow.Subscriber<ByteBuffer>, Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> downstream;
        private final UnaryOperator<ByteBuffer> mapper;
        private Flow.Subscription upstream;
        private volatile boolean done;

        Mapping(Flow.Subscriber<? super ByteBuffer> downstream, UnaryOperator<ByteBuffer> mapper) {
            this.downstream = downstream;
            this.mapper = mapper;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            upstream = subscription;
            downstream.onSubscribe(this);
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            if (done) {
                return;
            }
            ByteBuffer mapped;
            try {
                mapped = mapper.apply(buffer);
            }
            catch (RuntimeException e) {
                done = true;
                upstream.cancel();
                downstream.onError(e);
                return;
            }
            if (mapped == null || !mapped.hasRemaining()) {
                upstream.request(1);
                return;
            }
            downstream.onNext(mapped);
        }

        @Override
        public void onError(Throwable failure) {
            if (!done) {
                done = true;
                downstream.onError(failure);
            }
        }

        @Override
        public void onComplete() {
            if (!done) {
                done = true;
                downstream.onComplete();
            }
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            done = true;
            upstream.cancel();
        }
    }

    /** Collects a body into one array, failing past the limit without reading further. */
    private static final class Collector implements Flow.Subscriber<ByteBuffer> {
        private final long limit;
        private final Supplier<? extends Throwable> tooLarge;
        private final CompletableFuture<ByteBuffer> result;
        private Flow.Subscription subscription;
        private byte[] bytes = new byte[0];
        private int size;
        private boolean done;

        Collector(long limit, Supplier<? extends Throwable> tooLarge, CompletableFuture<ByteBuffer> result) {
            this.limit = limit;
            this.tooLarge = tooLarge;
            this.result = result;
        }

        @Override
        public void onSubscribe(Flow.Subscription newSubscription) {
            subscription = newSubscription;
            newSubscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            if (done) {
                return;
            }
            int remaining = buffer.remaining();
            if (size + (long) remaining > limit) {
                done = true;
                subscription.cancel();
                result.completeExceptionally(tooLarge.get());
                return;
            }
            if (size + remaining > bytes.length) {
                long grown = Math.max(Math.max(256, bytes.length * 2L), size + (long) remaining);
                bytes = Arrays.copyOf(bytes, (int) Math.min(limit, Math.min(grown, Integer.MAX_VALUE - 8)));
            }
            buffer.get(bytes, size, remaining);
            size += remaining;
        }

        @Override
        public void onError(Throwable failure) {
            if (!done) {
                done = true;
                result.completeExceptionally(failure);
            }
        }

        @Override
        public void onComplete() {
            if (!done) {
                done = true;
                result.complete(ByteBuffer.wrap(bytes, 0, size).slice().asReadOnlyBuffer());
            }
        }
    }
}
