package dev.tollgate.plugin.ratelimit.internal;

import java.util.concurrent.CompletionStage;

/** Where the counters of a filter's policies live. */
public interface Store extends AutoCloseable {

    /**
     * Counts one request of {@code key} under {@code policy} if the policy admits it; a refused
     * request consumes nothing. Must not block; the stage may complete on another thread.
     */
    CompletionStage<Decision> decide(Policy policy, String key);

    /**
     * Gives back the unit an admission consumed, for a request that a later policy refused, so
     * that only admitted requests consume quota. Best effort: a window already forgotten, or a
     * store failing, refunds nothing. Must not block.
     */
    CompletionStage<Void> refund(Decision admission, String key);

    @Override
    void close();
}
