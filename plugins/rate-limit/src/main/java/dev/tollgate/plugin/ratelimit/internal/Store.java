package dev.tollgate.plugin.ratelimit.internal;

import java.util.concurrent.CompletionStage;

/** Where the counters of a filter's policies live. */
public interface Store extends AutoCloseable {

    /**
     * Counts one request of {@code key} under {@code policy} if the policy admits it; a refused
     * request consumes nothing. Must not block; the stage may complete on another thread.
     */
    CompletionStage<Decision> decide(Policy policy, String key);

    @Override
    void close();
}
