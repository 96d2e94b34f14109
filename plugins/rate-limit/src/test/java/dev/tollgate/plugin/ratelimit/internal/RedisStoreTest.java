package dev.tollgate.plugin.ratelimit.internal;

import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store against the real Redis at 127.0.0.1:6379: exact counts under concurrency,
 * window rollover without lockout, token-bucket burst and refill, TTLs on every key, hash-tagged
 * keys, and the script loaded again after SCRIPT FLUSH (NOSCRIPT).
 */
class RedisStoreTest {
    private static TestingPluginContext context;
    private static RedisConnection connection;
    private static RedisStore store;

    @BeforeAll
    static void connect() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
        }
        catch (IOException e) {
            throw new AssertionError("These tests need a real Redis at 127.0.0.1:6379 (start one with "
                    + "`redis-server --save '' --appendonly no`): " + e.getMessage(), e);
        }
        context = new TestingPluginContext("rate-limit").withRedis("default", "address = \"redis://127.0.0.1:6379\"");
        connection = RedisConnection.start(context.redis("default"), context.blockingExecutor(), context.scheduler());
        store = new RedisStore(connection);
        await("connected to Redis").atMost(Duration.ofSeconds(20)).until(() -> connection.script() != null);
    }

    @AfterAll
    static void close() {
        if (connection != null) {
            connection.close();
        }
        if (context != null) {
            context.close();
        }
    }

    private static Policy policy(Policy.Algorithm algorithm, long limit, Duration window, long burst) {
        String name = "test-" + UUID.randomUUID().toString().substring(0, 8);
        return new Policy(name, List.of(new KeySource.Ip()), limit, window, algorithm, burst, Optional.empty());
    }

    private static Decision decide(Policy policy, String key) throws Exception {
        return store.decide(policy, key).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void exactCountsUnderConcurrencyForBothAlgorithms() throws Exception {
        for (Policy.Algorithm algorithm : Policy.Algorithm.values()) {
            Policy policy = policy(algorithm, 500, Duration.ofHours(1), 500);
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<Decision>> decisions = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 8; t++) {
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < 150; i++) {
                        decisions.add(store.decide(policy, "k").toCompletableFuture());
                    }
                });
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            CompletableFuture.allOf(decisions.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long admitted = decisions.stream().filter(decision -> decision.join().admitted()).count();
            assertThat(admitted).as(algorithm.configName()).isEqualTo(500);
        }
    }

    @Test
    void slidingWindowRollsOverWithoutLockout() throws Exception {
        Policy policy = policy(Policy.Algorithm.SLIDING_WINDOW, 5, Duration.ofSeconds(1), 5);
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (decide(policy, "k").admitted()) {
                admitted++;
            }
        }
        assertThat(admitted).as("at most the limit in one window, two windows at most if the burst straddles a boundary")
                .isBetween(5, 10);
        Decision refused = decide(policy, "k");
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.resetNanos()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2).toNanos());
        // Hammering while refused consumes nothing: once the wait has passed a request gets in.
        await("admitted again after the window").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> decide(policy, "k").admitted());
    }

    @Test
    void tokenBucketBurstThenRefill() throws Exception {
        Policy policy = policy(Policy.Algorithm.TOKEN_BUCKET, 10, Duration.ofSeconds(10), 4);
        for (int i = 0; i < 4; i++) {
            assertThat(decide(policy, "k").admitted()).as("burst %d", i).isTrue();
        }
        Decision refused = decide(policy, "k");
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.resetNanos()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        await("one token back after an interval (1 s)").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> decide(policy, "k").admitted());
        assertThat(decide(policy, "k").admitted()).as("only one token refilled").isFalse();
    }

    @Test
    void everyKeyHasATtlAndAHashTag() throws Exception {
        Policy window = policy(Policy.Algorithm.SLIDING_WINDOW, 5, Duration.ofMinutes(1), 5);
        Policy bucket = policy(Policy.Algorithm.TOKEN_BUCKET, 5, Duration.ofMinutes(1), 5);
        decide(window, "10.0.0.1");
        decide(bucket, "10.0.0.1");
        String windowKey = RedisStore.redisKey(window, "10.0.0.1");
        assertThat(windowKey).isEqualTo("tollgate:rl:{" + window.name() + ":10.0.0.1}");
        long windowTtl = Long.parseLong(cli("PTTL", windowKey));
        assertThat(windowTtl).isBetween(60_000L, 121_000L);
        long bucketTtl = Long.parseLong(cli("PTTL", RedisStore.redisKey(bucket, "10.0.0.1")));
        assertThat(bucketTtl).as("a bucket with one token taken is full again after one interval (12 s)").isBetween(11_000L, 13_000L);
        String longKey = "x".repeat(500);
        assertThat(RedisStore.redisKey(window, longKey)).hasSizeLessThan(300).startsWith("tollgate:rl:{" + window.name() + ":sha256:");
    }

    @Test
    void refundGivesBackTheUnitOfBothAlgorithms() throws Exception {
        for (Policy.Algorithm algorithm : Policy.Algorithm.values()) {
            Policy policy = policy(algorithm, 2, Duration.ofMinutes(1), 2);
            Decision first = decide(policy, "k");
            assertThat(decide(policy, "k").admitted()).isTrue();
            assertThat(decide(policy, "k").admitted()).isFalse();
            store.refund(first, "k").toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(decide(policy, "k").admitted()).as(algorithm.configName() + ": one unit back").isTrue();
            assertThat(decide(policy, "k").admitted()).as(algorithm.configName() + ": only one").isFalse();
            assertThat(Long.parseLong(cli("PTTL", RedisStore.redisKey(policy, "k")))).as("the TTL kept").isPositive();
        }
    }

    @Test
    void scriptLoadedAgainAfterFlush() throws Exception {
        Policy policy = policy(Policy.Algorithm.SLIDING_WINDOW, 5, Duration.ofMinutes(1), 5);
        assertThat(decide(policy, "k").admitted()).isTrue();
        assertThat(cli("SCRIPT", "FLUSH")).isEqualTo("OK");
        Decision afterFlush = decide(policy, "k");
        assertThat(afterFlush.admitted()).isTrue();
        assertThat(afterFlush.remaining()).isEqualTo(3);
    }

    private static String cli(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/redis-cli", "-p", "6379"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
