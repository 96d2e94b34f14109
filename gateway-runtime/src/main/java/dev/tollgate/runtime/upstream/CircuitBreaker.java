package dev.tollgate.runtime.upstream;

import java.util.concurrent.atomic.AtomicLongArray;

import static java.util.Objects.requireNonNull;

/**
 * One instance's circuit breaker: closed → open when the failure rate over a sliding window
 * reaches the threshold (with at least the minimum number of attempts in it) → after the open
 * duration, half-open, letting a few probe attempts through: all succeed → closed, one fails →
 * open again.
 *
 * <p>The closed state's hot path is lock-free: outcomes go into a ring of per-slice counters
 * (ten slices per window), and the rate is computed only when a failure is recorded. State
 * changes, rare, happen under the breaker's lock. Counting is approximate under races, as a
 * breaker's may be.
 */
final class CircuitBreaker {
    private static final int SLICES = 10;

    enum State {
        CLOSED(0), HALF_OPEN(1), OPEN(2);

        /** The gauge value exported on /metrics. */
        final int gaugeValue;

        State(int gaugeValue) {
            this.gaugeValue = gaugeValue;
        }
    }

    private final UpstreamSettings.CircuitBreakerSettings settings;
    private final long sliceNanos;
    private final AtomicLongArray sliceEpochs = new AtomicLongArray(SLICES);
    private final AtomicLongArray successes = new AtomicLongArray(SLICES);
    private final AtomicLongArray failures = new AtomicLongArray(SLICES);

    private volatile State state = State.CLOSED;
    private long openUntilNanos;
    private int probesIssued;
    private int probesSucceeded;

    CircuitBreaker(UpstreamSettings.CircuitBreakerSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
        this.sliceNanos = Math.max(1, settings.window().toNanos() / SLICES);
        for (int i = 0; i < SLICES; i++) {
            sliceEpochs.set(i, Long.MIN_VALUE);
        }
    }

    State state() {
        return state;
    }

    /** Whether an attempt could pass now, without taking a half-open probe slot. */
    boolean allows(long nowNanos) {
        State current = state;
        if (current == State.CLOSED || !settings.enabled()) {
            return true;
        }
        synchronized (this) {
            if (state == State.OPEN) {
                return nowNanos - openUntilNanos >= 0;
            }
            return state == State.CLOSED || probesIssued < settings.halfOpenRequests();
        }
    }

    /**
     * Lets an attempt through: always when closed; when the open time is over or the breaker is
     * half-open, only while probe slots remain.
     *
     * @return whether the attempt may go; a half-open probe slot is taken when it may
     */
    boolean tryAcquire(long nowNanos) {
        if (state == State.CLOSED || !settings.enabled()) {
            return true;
        }
        synchronized (this) {
            if (state == State.OPEN) {
                if (nowNanos - openUntilNanos < 0) {
                    return false;
                }
                state = State.HALF_OPEN;
                probesIssued = 0;
                probesSucceeded = 0;
            }
            if (state == State.CLOSED) {
                return true;
            }
            if (probesIssued >= settings.halfOpenRequests()) {
                return false;
            }
            probesIssued++;
            return true;
        }
    }

    void recordSuccess(long nowNanos) {
        if (!settings.enabled()) {
            return;
        }
        if (state == State.CLOSED) {
            slice(nowNanos, successes);
            return;
        }
        synchronized (this) {
            if (state == State.HALF_OPEN && ++probesSucceeded >= settings.halfOpenRequests()) {
                close();
            }
        }
    }

    void recordFailure(long nowNanos) {
        if (!settings.enabled()) {
            return;
        }
        if (state == State.CLOSED) {
            slice(nowNanos, failures);
            long epoch = nowNanos / sliceNanos;
            long failed = 0;
            long total = 0;
            for (int i = 0; i < SLICES; i++) {
                long sliceEpoch = sliceEpochs.get(i);
                if (sliceEpoch > epoch - SLICES && sliceEpoch <= epoch) {
                    failed += failures.get(i);
                    total += failures.get(i) + successes.get(i);
                }
            }
            if (total >= settings.minimumRequests() && failed * 100 >= (long) settings.failureRateThreshold() * total) {
                synchronized (this) {
                    if (state == State.CLOSED) {
                        open(nowNanos);
                    }
                }
            }
            return;
        }
        synchronized (this) {
            if (state == State.HALF_OPEN) {
                open(nowNanos);
            }
        }
    }

    /** An attempt that passed but says nothing about the instance (cancelled): gives a probe slot back. */
    void recordNeutral() {
        if (state == State.HALF_OPEN) {
            synchronized (this) {
                if (state == State.HALF_OPEN && probesIssued > 0) {
                    probesIssued--;
                }
            }
        }
    }

    private void open(long nowNanos) {
        state = State.OPEN;
        openUntilNanos = nowNanos + settings.openDuration().toNanos();
    }

    private void close() {
        for (int i = 0; i < SLICES; i++) {
            sliceEpochs.set(i, Long.MIN_VALUE);
            successes.set(i, 0);
            failures.set(i, 0);
        }
        state = State.CLOSED;
    }

    private void slice(long nowNanos, AtomicLongArray counters) {
        long epoch = nowNanos / sliceNanos;
        int index = (int) Math.floorMod(epoch, (long) SLICES);
        long current = sliceEpochs.get(index);
        if (current != epoch && sliceEpochs.compareAndSet(index, current, epoch)) {
            successes.set(index, 0);
            failures.set(index, 0);
        }
        counters.incrementAndGet(index);
    }
}
