package dev.tollgate.plugin.eventbridgeredis.internal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps the publications of one channel in order: each is sent to Redis when the previous one
 * of that channel has completed. Redisson spreads commands over its pool of connections, so two
 * publications sent at once could reach Redis in either order; the EventBus promises that events
 * of one channel from one publisher arrive in order. Channels do not wait for each other.
 *
 * <p>Thread-safe and non-blocking: a queued publication is started by the thread that completes
 * the one before it (a Redisson thread). A channel's entry is removed once nothing is queued.
 */
public final class PublishSequencer {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

    /** Runs {@code send} after the channel's earlier sends have completed; completes with its outcome. */
    public <T> CompletionStage<T> submit(String channel, Supplier<? extends CompletionStage<T>> send) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous = tails.put(channel, done);
        Runnable start = () -> {
            CompletionStage<T> sent;
            try {
                sent = send.get();
            }
            catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((value, failure) -> {
                tails.remove(channel, done);
                done.complete(null);
                if (failure == null) {
                    result.complete(value);
                }
                else {
                    result.completeExceptionally(failure);
                }
            });
        };
        (previous == null ? DONE : previous).whenComplete((ignored, failure) -> start.run());
        return result;
    }

    /** How many channels have a publication under way. */
    public int channelsInFlight() {
        return tails.size();
    }
}
