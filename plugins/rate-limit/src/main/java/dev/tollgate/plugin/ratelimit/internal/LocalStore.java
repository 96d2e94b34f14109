package dev.tollgate.plugin.ratelimit.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Counters in this process's memory: one entry per policy and key in a {@link ConcurrentHashMap},
 * each an atomic value updated with compare-and-set, so that deciding takes no lock (only the
 * first request of a key inserts, under the map's bin lock).
 *
 * <h2>Algorithms</h2>
 * <ul>
 *   <li>Sliding window: the weighted two-window approximation (as Cloudflare and nginx use): fixed
 *       windows of length {@code w}; a request at fraction {@code f} of the current window is
 *       admitted when {@code previous × (1 − f) + current + 1 ≤ limit}. It assumes the previous
 *       window's requests were spread evenly, so it is exact for evenly spread traffic; in the
 *       worst case (the previous window's requests all at its end) any span of length {@code w}
 *       admits at most {@code 2 × limit} requests; it never admits more than {@code limit} within
 *       one fixed window.</li>
 *   <li>Token bucket: GCRA (the generic cell rate algorithm): one "theoretical arrival time" per
 *       key, emission interval {@code window / limit} (rounded up to a nanosecond), tolerance
 *       {@code burst × interval}: at most {@code burst} at once, then {@code limit} per window.</li>
 * </ul>
 *
 * <h2>Bound</h2>
 * At most {@code maxKeys} entries. An entry whose state equals a fresh one (both windows over; a
 * full bucket) is idle: a sweep every second marks it dead with a compare-and-set (a request
 * holding it then retries on a fresh entry, so no admission is lost) and removes it. Removing an
 * idle entry cannot admit more than the limit, since a fresh entry decides exactly as the idle one
 * would. When the map is full, a key that is not tracked yet is refused (fail-closed for new keys)
 * rather than evicting a live entry, which would forget its count and over-admit; keys already
 * tracked are unaffected.
 */
public final class LocalStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStore.class);
    private static final long ORIGIN = System.nanoTime();
    private static final char POLICY_SEPARATOR = '\u001e';

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int maxKeys;
    private final LongSupplier clock;
    private final Runnable onFull;
    private final AtomicBoolean fullLogged = new AtomicBoolean();
    private final ScheduledFuture<?> sweeper;

    /**
     * @param clock nanoseconds, monotonic
     * @param onFull told (without blocking) each time a new key is refused because the store is full
     */
    LocalStore(int maxKeys, LongSupplier clock, ScheduledExecutorService scheduler, Runnable onFull) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1");
        }
        this.maxKeys = maxKeys;
        this.clock = requireNonNull(clock, "clock is null");
        this.onFull = requireNonNull(onFull, "onFull is null");
        this.sweeper = scheduler == null ? null
                : scheduler.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    /** A store on the system's monotonic clock, swept every second on {@code scheduler}. */
    public static LocalStore create(int maxKeys, ScheduledExecutorService scheduler, Runnable onFull) {
        return new LocalStore(maxKeys, () -> System.nanoTime() - ORIGIN, requireNonNull(scheduler, "scheduler is null"), onFull);
    }

    @Override
    public CompletionStage<Decision> decide(Policy policy, String key) {
        return CompletableFuture.completedFuture(decideNow(policy, key));
    }

    /** {@link #decide}, answered at once. */
    public Decision decideNow(Policy policy, String key) {
        String entryKey = policy.name() + POLICY_SEPARATOR + key;
        while (true) {
            long now = clock.getAsLong();
            Entry entry = entries.get(entryKey);
            if (entry == null) {
                entry = insert(entryKey, policy);
                if (entry == null) {
                    return full(policy);
                }
            }
            Decision decision = entry.decide(now);
            if (decision != null) {
                return decision;
            }
            // The entry was swept between lookup and update: it is gone from the map, try a fresh one.
        }
    }

    private Entry insert(String entryKey, Policy policy) {
        int current;
        do {
            current = size.get();
            if (current >= maxKeys) {
                return null;
            }
        } while (!size.compareAndSet(current, current + 1));
        boolean[] created = {false};
        Entry entry = entries.computeIfAbsent(entryKey, ignored -> {
            created[0] = true;
            return policy.algorithm() == Policy.Algorithm.TOKEN_BUCKET ? new BucketEntry(policy) : new WindowEntry(policy);
        });
        if (!created[0]) {
            size.decrementAndGet();
        }
        return entry;
    }

    private Decision full(Policy policy) {
        onFull.run();
        if (fullLogged.compareAndSet(false, true)) {
            LOG.warn("The rate-limit store tracks {} keys, its max-tracked-keys: requests of keys not tracked yet are refused "
                    + "until idle keys expire", maxKeys);
        }
        long wait = policy.algorithm() == Policy.Algorithm.TOKEN_BUCKET ? BucketEntry.interval(policy) : policy.window().toNanos();
        return Decision.refused(policy, Math.min(wait, 1_000_000_000L));
    }

    @Override
    public CompletionStage<Void> refund(Decision admission, String key) {
        refundNow(admission, key);
        return CompletableFuture.completedFuture(null);
    }

    /** {@link #refund}, at once. */
    public void refundNow(Decision admission, String key) {
        Entry entry = entries.get(admission.policy().name() + POLICY_SEPARATOR + key);
        if (entry != null && admission.admitted()) {
            entry.refund(admission);
        }
    }

    /** Removes the idle entries; runs every second. */
    void sweep() {
        long now = clock.getAsLong();
        entries.forEach((entryKey, entry) -> {
            if (entry.retireIfIdle(now) && entries.remove(entryKey, entry)) {
                size.decrementAndGet();
            }
        });
        if (size.get() < maxKeys && fullLogged.compareAndSet(true, false)) {
            LOG.info("The rate-limit store has room again ({} of {} keys)", size.get(), maxKeys);
        }
    }

    /** Keys tracked now. */
    public int trackedKeys() {
        return size.get();
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        entries.clear();
        size.set(0);
    }

    private abstract static class Entry {
        final Policy policy;

        Entry(Policy policy) {
            this.policy = policy;
        }

        /** The decision, or null when this entry has been retired by the sweep. */
        abstract Decision decide(long now);

        /** Takes back the unit {@code admission} counted, if the state still holds it. */
        abstract void refund(Decision admission);

        /** Marks the entry dead if its state is that of a fresh one; true if it is (now) dead. */
        abstract boolean retireIfIdle(long now);
    }

    private record Window(long index, long previous, long current) {
    }

    private static final class WindowEntry extends Entry {
        private static final Window DEAD = new Window(Long.MIN_VALUE, 0, 0);
        private final AtomicReference<Window> state = new AtomicReference<>(new Window(Long.MIN_VALUE + 2, 0, 0));
        private final long window;

        WindowEntry(Policy policy) {
            super(policy);
            this.window = policy.window().toNanos();
        }

        @Override
        Decision decide(long now) {
            long index = now / window;
            long elapsed = now - index * window;
            while (true) {
                Window seen = state.get();
                if (seen == DEAD) {
                    return null;
                }
                long previous;
                long current;
                if (seen.index() == index) {
                    previous = seen.previous();
                    current = seen.current();
                }
                else if (seen.index() == index - 1) {
                    previous = seen.current();
                    current = 0;
                }
                else {
                    previous = 0;
                    current = 0;
                }
                double estimate = SlidingWindow.estimate(previous, current, elapsed, window);
                if (estimate + 1 > policy.limit()) {
                    return Decision.refused(policy, SlidingWindow.wait(policy.limit(), previous, current, elapsed, window));
                }
                if (state.compareAndSet(seen, new Window(index, previous, current + 1))) {
                    return SlidingWindow.admitted(policy, index, previous, current + 1, elapsed, window);
                }
            }
        }

        @Override
        void refund(Decision admission) {
            while (true) {
                Window seen = state.get();
                Window refunded;
                if (seen != DEAD && seen.index() == admission.window() && seen.current() > 0) {
                    refunded = new Window(seen.index(), seen.previous(), seen.current() - 1);
                }
                else if (seen != DEAD && seen.index() == admission.window() + 1 && seen.previous() > 0) {
                    refunded = new Window(seen.index(), seen.previous() - 1, seen.current());
                }
                else {
                    return;
                }
                if (state.compareAndSet(seen, refunded)) {
                    return;
                }
            }
        }

        @Override
        boolean retireIfIdle(long now) {
            Window seen = state.get();
            return seen == DEAD || seen.index() < now / window - 1 && state.compareAndSet(seen, DEAD);
        }
    }

    private static final class BucketEntry extends Entry {
        private static final long DEAD = Long.MIN_VALUE;
        private final AtomicLong theoreticalArrival = new AtomicLong(Long.MIN_VALUE + 1);
        private final long interval;
        private final long tolerance;

        BucketEntry(Policy policy) {
            super(policy);
            this.interval = interval(policy);
            this.tolerance = policy.burst() * interval;
        }

        static long interval(Policy policy) {
            long window = policy.window().toNanos();
            return Math.max(1, (window + policy.limit() - 1) / policy.limit());
        }

        @Override
        Decision decide(long now) {
            while (true) {
                long seen = theoreticalArrival.get();
                if (seen == DEAD) {
                    return null;
                }
                long next = Math.max(seen, now) + interval;
                long ahead = next - now;
                if (ahead > tolerance) {
                    return Decision.refused(policy, ahead - tolerance);
                }
                if (theoreticalArrival.compareAndSet(seen, next)) {
                    long remaining = (tolerance - ahead) / interval;
                    return new Decision(policy, true, remaining, remaining > 0 ? ahead : ahead - tolerance + interval, 0);
                }
            }
        }

        @Override
        void refund(Decision admission) {
            while (true) {
                long seen = theoreticalArrival.get();
                if (seen == DEAD || theoreticalArrival.compareAndSet(seen, seen - interval)) {
                    return;
                }
            }
        }

        @Override
        boolean retireIfIdle(long now) {
            long seen = theoreticalArrival.get();
            return seen == DEAD || seen <= now && theoreticalArrival.compareAndSet(seen, DEAD);
        }
    }
}
