package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.AsyncContent;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two body bridges on their own: the client's body publisher read as Jetty client content
 * (one buffer in flight, the next asked for only once Jetty released the previous, replayable
 * until a byte went out), and Jetty response content published to the runtime (one chunk per
 * request, released when the next is requested, failures and cancellation reported).
 */
class BodyBridgesTest {

    /** A publisher that, like the runtime's, reuses one buffer: it may overwrite it once it sees new demand. */
    private static final class RecyclingPublisher implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
        private final List<String> parts;
        private final ByteBuffer buffer = ByteBuffer.allocate(64);
        private final AtomicInteger requests = new AtomicInteger();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private Flow.Subscriber<? super ByteBuffer> subscriber;
        private int next;
        private Throwable failure;

        RecyclingPublisher(String... parts) {
            this.parts = List.of(parts);
        }

        RecyclingPublisher failingAtEnd(Throwable failure) {
            this.failure = failure;
            return this;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> newSubscriber) {
            subscriber = newSubscriber;
            newSubscriber.onSubscribe(this);
        }

        @Override
        public void request(long n) {
            requests.incrementAndGet();
            if (next < parts.size()) {
                buffer.clear();
                buffer.put(parts.get(next++).getBytes(StandardCharsets.UTF_8)).flip();
                subscriber.onNext(buffer);
            }
            else if (failure != null) {
                subscriber.onError(failure);
            }
            else {
                subscriber.onComplete();
            }
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    }

    private static String text(Content.Chunk chunk) {
        return StandardCharsets.UTF_8.decode(chunk.getByteBuffer().duplicate()).toString();
    }

    @Test
    void readsOneBufferAtATimeAndAsksForTheNextOnlyWhenJettyReleasedIt() {
        RecyclingPublisher publisher = new RecyclingPublisher("hello ", "world");
        RequestBodyBridge bridge = new RequestBodyBridge(publisher, 11);
        AtomicInteger ends = new AtomicInteger();
        RequestBodyBridge.AttemptContent content = bridge.newContent(ends::incrementAndGet);
        assertThat(content.getLength()).isEqualTo(11);
        assertThat(publisher.requests).hasValue(0);

        Content.Chunk first = content.read();
        assertThat(first).as("the first read subscribes and the runtime answers at once").isNull();
        assertThat(publisher.requests).hasValue(1);
        AtomicInteger demands = new AtomicInteger();
        content.demand(demands::incrementAndGet);
        assertThat(demands).hasValue(1);
        Content.Chunk hello = content.read();
        assertThat(text(hello)).isEqualTo("hello ");
        assertThat(bridge.isConsumed()).isTrue();
        assertThat(content.read()).as("nothing more until the buffer is released").isNull();
        assertThat(publisher.requests).hasValue(1);

        hello.release();
        assertThat(publisher.requests).hasValue(2);
        Content.Chunk world = content.read();
        assertThat(text(world)).isEqualTo("world");
        world.release();
        Content.Chunk end = content.read();
        assertThat(end.isLast()).isTrue();
        assertThat(end.hasRemaining()).isFalse();
        assertThat(ends).hasValue(1);
    }

    @Test
    void anEmptyBodyOfUnknownLengthShowsAtOnce() {
        RequestBodyBridge empty = new RequestBodyBridge(new RecyclingPublisher(), -1);
        empty.start();
        assertThat(empty.isEmpty()).isTrue();
        RequestBodyBridge notEmpty = new RequestBodyBridge(new RecyclingPublisher("x"), -1);
        notEmpty.start();
        assertThat(notEmpty.isEmpty()).isFalse();
        assertThat(text(notEmpty.newContent(() -> {
        }).read())).isEqualTo("x");
    }

    @Test
    void aFailedAttemptLeavesAnUnreadBodyForTheNextAndAReadOneCancelled() {
        RecyclingPublisher unread = new RecyclingPublisher("a");
        RequestBodyBridge bridge = new RequestBodyBridge(unread, 1);
        RequestBodyBridge.AttemptContent first = bridge.newContent(() -> {
        });
        assertThat(first.read()).isNull();
        first.fail(new EOFException("reset"));
        assertThat(unread.cancelled).isFalse();
        RequestBodyBridge.AttemptContent second = bridge.newContent(() -> {
        });
        assertThat(Content.Chunk.isFailure(first.read())).as("the first attempt's view is detached").isTrue();
        assertThat(text(second.read())).isEqualTo("a");

        second.fail(new EOFException("reset after the body went out"));
        assertThat(unread.cancelled).isTrue();
    }

    @Test
    void aRefusedViewNeverReadsTheClientsBody() {
        RecyclingPublisher publisher = new RecyclingPublisher("never");
        RequestBodyBridge bridge = new RequestBodyBridge(publisher, 5);
        RequestBodyBridge.AttemptContent content = bridge.newContent(() -> {
        });
        content.refuse();
        assertThat(Content.Chunk.isFailure(content.read(), true)).isTrue();
        assertThat(publisher.requests).hasValue(0);
    }

    @Test
    void theClientsBodyFailureReachesJettyAndIsKept() {
        IllegalStateException tooLarge = new IllegalStateException("413");
        RequestBodyBridge bridge = new RequestBodyBridge(new RecyclingPublisher("a").failingAtEnd(tooLarge), -1);
        RequestBodyBridge.AttemptContent content = bridge.newContent(() -> {
        });
        content.read();
        Content.Chunk a = content.read();
        a.release();
        Content.Chunk failure = content.read();
        assertThat(failure.getFailure()).isSameAs(tooLarge);
        assertThat(bridge.clientFailure()).isSameAs(tooLarge);
    }

    /** Records what the publisher tells its listener. */
    private static final class Outcome implements ResponseBodyPublisher.Listener {
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();
        final List<Throwable> failures = new ArrayList<>();

        @Override
        public void bodyCompleted() {
            completed.incrementAndGet();
        }

        @Override
        public Throwable bodyFailed(Throwable failure) {
            failures.add(failure);
            return new IllegalStateException("mapped", failure);
        }

        @Override
        public void bodyCancelled() {
            cancelled.incrementAndGet();
        }
    }

    /** A subscriber asking for one buffer at a time, as the runtime's writer does. */
    private static final class OneAtATime implements Flow.Subscriber<ByteBuffer> {
        final List<String> received = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription newSubscription) {
            subscription = newSubscription;
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            received.add(StandardCharsets.UTF_8.decode(buffer).toString());
        }

        @Override
        public void onError(Throwable failure) {
            done.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }

    @Test
    void publishesOneChunkPerRequestAndReleasesItWhenTheNextIsRequested() {
        AsyncContent source = new AsyncContent();
        Outcome outcome = new Outcome();
        ResponseBodyPublisher publisher = new ResponseBodyPublisher(source, outcome);
        OneAtATime subscriber = new OneAtATime();
        publisher.subscribe(subscriber);
        assertThat(publisher.isSubscribed()).isTrue();

        Callback.Completable firstReleased = new Callback.Completable();
        source.write(false, ByteBuffer.wrap("one".getBytes(StandardCharsets.UTF_8)), firstReleased);
        Callback.Completable secondReleased = new Callback.Completable();
        source.write(true, ByteBuffer.wrap("two".getBytes(StandardCharsets.UTF_8)), secondReleased);

        subscriber.subscription.request(1);
        assertThat(subscriber.received).containsExactly("one");
        assertThat(firstReleased).as("held until the subscriber asks for more").isNotDone();
        subscriber.subscription.request(1);
        assertThat(firstReleased).isDone();
        assertThat(subscriber.received).containsExactly("one", "two");
        assertThat(subscriber.done).isNotDone();
        subscriber.subscription.request(1);
        assertThat(secondReleased).isDone();
        assertThat(subscriber.done).isCompleted();
        assertThat(outcome.completed).hasValue(1);
    }

    @Test
    void waitsForContentWithoutAThreadAndReportsAFailure() {
        AsyncContent source = new AsyncContent();
        Outcome outcome = new Outcome();
        ResponseBodyPublisher publisher = new ResponseBodyPublisher(source, outcome);
        OneAtATime subscriber = new OneAtATime();
        publisher.subscribe(subscriber);
        subscriber.subscription.request(1);
        assertThat(subscriber.received).isEmpty();
        source.write(false, ByteBuffer.wrap("late".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        assertThat(subscriber.received).containsExactly("late");

        EOFException reset = new EOFException("reset");
        source.fail(reset);
        subscriber.subscription.request(1);
        assertThat(subscriber.done).isCompletedExceptionally();
        assertThat(outcome.failures).containsExactly(reset);
    }

    @Test
    void cancellingReleasesTheChunkAndTellsTheListener() {
        AsyncContent source = new AsyncContent();
        Outcome outcome = new Outcome();
        ResponseBodyPublisher publisher = new ResponseBodyPublisher(source, outcome);
        OneAtATime subscriber = new OneAtATime();
        publisher.subscribe(subscriber);
        Callback.Completable released = new Callback.Completable();
        source.write(false, ByteBuffer.wrap("held".getBytes(StandardCharsets.UTF_8)), released);
        subscriber.subscription.request(1);
        assertThat(released).isNotDone();
        subscriber.subscription.cancel();
        assertThat(released).isDone();
        assertThat(outcome.cancelled).hasValue(1);

        OneAtATime second = new OneAtATime();
        publisher.subscribe(second);
        assertThat(second.done).as("a second subscriber is refused").isCompletedExceptionally();
    }
}
