package dev.tollgate.plugin.ratelimit.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The local store's algorithms on a clock the test moves, its bound, and exact counts under concurrency. */
class LocalStoreTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(10 * SECOND);
    private final AtomicInteger fullRefusals = new AtomicInteger();

    private LocalStore store(int maxKeys) {
        return new LocalStore(maxKeys, now::get, null, fullRefusals::incrementAndGet);
    }

    private static Policy window(String name, long limit, Duration window) {
        return new Policy(name, List.of(new KeySource.Ip()), limit, window, Policy.Algorithm.SLIDING_WINDOW, limit, Optional.empty());
    }

    private static Policy bucket(String name, long limit, Duration window, long burst) {
        return new Policy(name, List.of(new KeySource.Ip()), limit, window, Policy.Algorithm.TOKEN_BUCKET, burst, Optional.empty());
    }

    @Test
    void slidingWindowAdmitsTheLimitThenRefusesWithoutConsuming() {
        LocalStore store = store(100);
        Policy policy = window("per-ip", 3, Duration.ofSeconds(1));
        assertThat(store.decideNow(policy, "a").remaining()).isEqualTo(2);
        assertThat(store.decideNow(policy, "a").remaining()).isEqualTo(1);
        Decision third = store.decideNow(policy, "a");
        assertThat(third.admitted()).isTrue();
        assertThat(third.remaining()).isZero();
        for (int i = 0; i < 50; i++) {
            Decision refused = store.decideNow(policy, "a");
            assertThat(refused.admitted()).isFalse();
            assertThat(refused.resetNanos()).isPositive().isLessThanOrEqualTo(2 * SECOND);
        }
        assertThat(store.decideNow(policy, "b").admitted()).as("another key has its own count").isTrue();
    }

    @Test
    void slidingWindowWeighsThePreviousWindowAndNeverLocksOut() {
        LocalStore store = store(100);
        Policy policy = window("per-ip", 10, Duration.ofSeconds(1));
        for (int i = 0; i < 10; i++) {
            assertThat(store.decideNow(policy, "a").admitted()).isTrue();
        }
        Decision refused = store.decideNow(policy, "a");
        assertThat(refused.admitted()).isFalse();
        // A quarter into the next window the previous 10 weigh 7.5: two more fit (7.5 + 2 <= 10), not three.
        now.addAndGet(refused.resetNanos());
        assertThat(store.decideNow(policy, "a").admitted()).as("admitted once the refusal's wait has passed").isTrue();
        now.set(11 * SECOND + SECOND / 4);
        int admitted = 0;
        while (store.decideNow(policy, "a").admitted()) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(1);
        // Two windows later nothing is remembered.
        now.set(13 * SECOND);
        for (int i = 0; i < 10; i++) {
            assertThat(store.decideNow(policy, "a").admitted()).isTrue();
        }
    }

    @Test
    void tokenBucketBurstsThenRefillsAtTheRate() {
        LocalStore store = store(100);
        Policy policy = bucket("per-user", 10, Duration.ofSeconds(1), 5);
        for (int i = 0; i < 5; i++) {
            assertThat(store.decideNow(policy, "u").admitted()).as("burst request %d", i).isTrue();
        }
        Decision refused = store.decideNow(policy, "u");
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.resetNanos()).isEqualTo(SECOND / 10);
        now.addAndGet(SECOND / 10);
        assertThat(store.decideNow(policy, "u").admitted()).isTrue();
        assertThat(store.decideNow(policy, "u").admitted()).isFalse();
        // A full second refills 10 tokens, but the bucket holds 5.
        now.addAndGet(SECOND);
        int admitted = 0;
        while (store.decideNow(policy, "u").admitted()) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(5);
    }

    @Test
    void refundGivesBackTheUnitOfBothAlgorithms() {
        LocalStore store = store(100);
        Policy sliding = window("sliding", 2, Duration.ofSeconds(1));
        Policy tokens = bucket("tokens", 2, Duration.ofSeconds(1), 2);
        for (Policy policy : List.of(sliding, tokens)) {
            Decision first = store.decideNow(policy, "a");
            store.decideNow(policy, "a");
            assertThat(store.decideNow(policy, "a").admitted()).isFalse();
            store.refundNow(first, "a");
            assertThat(store.decideNow(policy, "a").admitted()).as(policy.name() + ": one unit back").isTrue();
            assertThat(store.decideNow(policy, "a").admitted()).as(policy.name() + ": only one").isFalse();
        }
        // An admission counted in the previous window is taken from the previous count.
        now.set(20 * SECOND);
        Decision earlier = store.decideNow(sliding, "b");
        store.decideNow(sliding, "b");
        now.set(21 * SECOND);
        assertThat(store.decideNow(sliding, "b").admitted()).as("the previous window weighs 2").isFalse();
        store.refundNow(earlier, "b");
        assertThat(store.decideNow(sliding, "b").admitted()).isTrue();
    }

    @Test
    void boundedRefusingNewKeysAndForgettingIdleOnes() {
        LocalStore store = store(3);
        Policy policy = window("per-ip", 2, Duration.ofSeconds(1));
        for (String key : List.of("a", "b", "c")) {
            assertThat(store.decideNow(policy, key).admitted()).isTrue();
        }
        assertThat(store.trackedKeys()).isEqualTo(3);
        assertThat(store.decideNow(policy, "d").admitted()).as("a fourth key beyond the cap").isFalse();
        assertThat(fullRefusals).hasValue(1);
        assertThat(store.decideNow(policy, "a").admitted()).as("tracked keys keep their count").isTrue();
        assertThat(store.decideNow(policy, "a").admitted()).isFalse();
        store.sweep();
        assertThat(store.trackedKeys()).as("nothing idle yet").isEqualTo(3);
        now.addAndGet(2 * SECOND);
        store.sweep();
        assertThat(store.trackedKeys()).isZero();
        assertThat(store.decideNow(policy, "d").admitted()).isTrue();
    }

    @Test
    void exactCountUnderConcurrency() throws Exception {
        LocalStore store = store(100);
        Policy sliding = window("sliding", 1000, Duration.ofHours(1));
        Policy tokens = bucket("tokens", 1000, Duration.ofHours(1), 1000);
        AtomicInteger admittedSliding = new AtomicInteger();
        AtomicInteger admittedTokens = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < 500; i++) {
                    if (store.decideNow(sliding, "k").admitted()) {
                        admittedSliding.incrementAndGet();
                    }
                    if (store.decideNow(tokens, "k").admitted()) {
                        admittedTokens.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(admittedSliding).hasValue(1000);
        assertThat(admittedTokens).hasValue(1000);
    }
}
