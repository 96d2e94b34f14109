package dev.tollgate.runtime.upstream;

import com.codahale.metrics.Counter;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.RetryPolicy;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;

import static java.util.Objects.requireNonNull;

/**
 * A service's {@link RetryPolicy}, with a retry budget in the manner of Finagle's: over the last
 * ten seconds, retries may add at most {@code percent} of the requests, plus
 * {@code min-per-second} (so a quiet service can still retry). Requests and retries are counted
 * in one-second slices, lock-free; the budget is approximate under races, as budgets may be.
 */
final class ServiceRetryPolicy implements RetryPolicy {
    private static final int SLICES = 10;
    private static final long SLICE_NANOS = 1_000_000_000L;

    private final UpstreamSettings.Retries settings;
    private final Counter allowed;
    private final Counter exhausted;
    private final AtomicLongArray sliceEpochs = new AtomicLongArray(SLICES);
    private final AtomicLongArray requests = new AtomicLongArray(SLICES);
    private final AtomicLongArray retries = new AtomicLongArray(SLICES);

    /**
     * @param allowed counts retries the budget allowed
     * @param exhausted counts retries refused because the budget was spent
     */
    ServiceRetryPolicy(UpstreamSettings.Retries settings, Counter allowed, Counter exhausted) {
        this.settings = requireNonNull(settings, "settings is null");
        this.allowed = requireNonNull(allowed, "allowed is null");
        this.exhausted = requireNonNull(exhausted, "exhausted is null");
        for (int i = 0; i < SLICES; i++) {
            sliceEpochs.set(i, Long.MIN_VALUE);
        }
    }

    @Override
    public int maxAttempts() {
        return settings.attempts();
    }

    @Override
    public boolean retriesStatus(int status) {
        return settings.statuses().contains(status);
    }

    @Override
    public boolean retriesFailure(Attempt.Failure failure) {
        return settings.failures().contains(failure);
    }

    @Override
    public Duration backoff(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry counts from 1, got " + retry);
        }
        long base = settings.backoff().toNanos();
        long cap = Math.min(settings.maxBackoff().toNanos(), base << Math.min(30, retry - 1));
        return Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap + 1));
    }

    @Override
    public boolean tryAcquire() {
        long now = System.nanoTime();
        long epoch = now / SLICE_NANOS;
        long requestCount = 0;
        long retryCount = 0;
        for (int i = 0; i < SLICES; i++) {
            long sliceEpoch = sliceEpochs.get(i);
            if (sliceEpoch > epoch - SLICES && sliceEpoch <= epoch) {
                requestCount += requests.get(i);
                retryCount += retries.get(i);
            }
        }
        long budget = (long) settings.budgetMinPerSecond() * SLICES + requestCount * settings.budgetPercent() / 100;
        if (retryCount >= budget) {
            exhausted.inc();
            return false;
        }
        count(now, retries);
        allowed.inc();
        return true;
    }

    /** Counts a first attempt, which adds to the budget. */
    void recordRequest() {
        count(System.nanoTime(), requests);
    }

    private void count(long nowNanos, AtomicLongArray counters) {
        long epoch = nowNanos / SLICE_NANOS;
        int index = (int) Math.floorMod(epoch, (long) SLICES);
        long current = sliceEpochs.get(index);
        if (current != epoch && sliceEpochs.compareAndSet(index, current, epoch)) {
            requests.set(index, 0);
            retries.set(index, 0);
        }
        counters.incrementAndGet(index);
    }
}
