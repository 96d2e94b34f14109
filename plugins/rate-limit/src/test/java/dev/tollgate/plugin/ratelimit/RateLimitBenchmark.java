package dev.tollgate.plugin.ratelimit;

import dev.tollgate.plugin.ratelimit.internal.Decision;
import dev.tollgate.plugin.ratelimit.internal.KeySource;
import dev.tollgate.plugin.ratelimit.internal.LocalStore;
import dev.tollgate.plugin.ratelimit.internal.Policy;
import dev.tollgate.plugin.ratelimit.internal.RedisConnection;
import dev.tollgate.plugin.ratelimit.internal.RedisStore;
import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestingPluginContext;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench/ratelimit.sh}: the cost of one decision of the local store (one thread) and of the
 * Redis store (one at a time: the round trip; and 64 in flight: the throughput), and the accuracy
 * of one sliding-window limit shared by three gateway instances through Redis under overload.
 * Not a test: a main, without JMH; warm-up, then rounds, medians printed.
 */
public final class RateLimitBenchmark {
    private RateLimitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int accuracySeconds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        local(rounds);
        redis(rounds);
        redissonRateLimiter(rounds);
        accuracy(accuracySeconds);
    }

    private static Policy policy(Policy.Algorithm algorithm, long limit, Duration window) {
        return new Policy("bench-" + UUID.randomUUID().toString().substring(0, 8), List.of(new KeySource.Ip()), limit, window,
                algorithm, limit, Optional.empty());
    }

    private static void local(int rounds) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        String[] keys = new String[1024];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "10.0." + (i / 256) + "." + (i % 256);
        }
        for (Policy.Algorithm algorithm : Policy.Algorithm.values()) {
            try (LocalStore store = LocalStore.create(100_000, scheduler, () -> { })) {
                Policy policy = policy(algorithm, 1_000_000_000L, Duration.ofSeconds(1));
                int perRound = 2_000_000;
                long admitted = 0;
                for (int i = 0; i < perRound * 2; i++) {
                    admitted += store.decideNow(policy, keys[i & 1023]).admitted() ? 1 : 0;
                }
                double[] nanos = new double[rounds];
                for (int round = 0; round < rounds; round++) {
                    long started = System.nanoTime();
                    for (int i = 0; i < perRound; i++) {
                        admitted += store.decideNow(policy, keys[i & 1023]).admitted() ? 1 : 0;
                    }
                    nanos[round] = (double) (System.nanoTime() - started) / perRound;
                }
                System.out.printf("local %-14s 1 thread, 1024 keys: %6.0f ns/decision (median of %d rounds; all %s; admitted %d)%n",
                        algorithm.configName(), median(nanos), rounds, Arrays.toString(round(nanos)), admitted);
            }
        }
        scheduler.shutdownNow();
    }

    private static void redis(int rounds) throws Exception {
        try (TestingPluginContext context = new TestingPluginContext("rate-limit")
                .withRedis("default", "address = \"redis://127.0.0.1:6379\"")) {
            RedisConnection connection = RedisConnection.start(context.redis("default"), context.blockingExecutor(), context.scheduler());
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (connection.script() == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no Redis at 127.0.0.1:6379");
                    }
                    Thread.onSpinWait();
                }
                RedisStore store = new RedisStore(connection);
                for (Policy.Algorithm algorithm : Policy.Algorithm.values()) {
                    Policy policy = policy(algorithm, 1_000_000_000L, Duration.ofMinutes(1));
                    for (int i = 0; i < 5000; i++) {
                        store.decide(policy, "k" + (i & 1023)).toCompletableFuture().get();
                    }
                    double[] micros = new double[rounds];
                    double[] perSecond = new double[rounds];
                    for (int round = 0; round < rounds; round++) {
                        int sequential = 3000;
                        long started = System.nanoTime();
                        for (int i = 0; i < sequential; i++) {
                            store.decide(policy, "k" + (i & 1023)).toCompletableFuture().get();
                        }
                        micros[round] = (System.nanoTime() - started) / 1000.0 / sequential;
                        int concurrent = 30_000;
                        Semaphore inFlight = new Semaphore(64);
                        List<CompletableFuture<Decision>> all = new ArrayList<>(concurrent);
                        started = System.nanoTime();
                        for (int i = 0; i < concurrent; i++) {
                            inFlight.acquire();
                            CompletableFuture<Decision> decision = store.decide(policy, "k" + (i & 1023)).toCompletableFuture();
                            decision.whenComplete((ignored, failure) -> inFlight.release());
                            all.add(decision);
                        }
                        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
                        perSecond[round] = concurrent / ((System.nanoTime() - started) / 1e9);
                    }
                    System.out.printf("redis %-14s one at a time: %6.0f µs/decision; 64 in flight: %7.0f decisions/s (medians of %d rounds; %s µs, %s /s)%n",
                            algorithm.configName(), median(micros), median(perSecond), rounds,
                            Arrays.toString(round(micros)), Arrays.toString(round(perSecond)));
                }
            }
            finally {
                connection.close();
            }
        }
    }

    /**
     * Redisson's {@code RRateLimiter} for comparison (the issue asks to keep the better): one
     * limiter per key, its rate set once per key beforehand (as it requires), then
     * {@code tryAcquireAsync} one at a time and 64 in flight.
     */
    private static void redissonRateLimiter(int rounds) throws Exception {
        org.redisson.config.Config config = new org.redisson.config.Config();
        config.setCodec(org.redisson.client.codec.StringCodec.INSTANCE);
        config.useSingleServer().setAddress("redis://127.0.0.1:6379");
        org.redisson.api.RedissonClient redisson = org.redisson.Redisson.create(config);
        try {
            String prefix = "bench-rrl-" + UUID.randomUUID().toString().substring(0, 8) + ":";
            org.redisson.api.RRateLimiter[] limiters = new org.redisson.api.RRateLimiter[1024];
            for (int i = 0; i < limiters.length; i++) {
                limiters[i] = redisson.getRateLimiter(prefix + i);
                limiters[i].trySetRate(org.redisson.api.RateType.OVERALL, 1_000_000, Duration.ofMinutes(1));
                limiters[i].expire(Duration.ofMinutes(5));
            }
            for (int i = 0; i < 5000; i++) {
                limiters[i & 1023].tryAcquireAsync().toCompletableFuture().get();
            }
            double[] micros = new double[rounds];
            double[] perSecond = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                int sequential = 3000;
                long started = System.nanoTime();
                for (int i = 0; i < sequential; i++) {
                    limiters[i & 1023].tryAcquireAsync().toCompletableFuture().get();
                }
                micros[round] = (System.nanoTime() - started) / 1000.0 / sequential;
                int concurrent = 30_000;
                Semaphore inFlight = new Semaphore(64);
                List<CompletableFuture<Boolean>> all = new ArrayList<>(concurrent);
                started = System.nanoTime();
                for (int i = 0; i < concurrent; i++) {
                    inFlight.acquire();
                    CompletableFuture<Boolean> acquired = limiters[i & 1023].tryAcquireAsync().toCompletableFuture();
                    acquired.whenComplete((ignored, failure) -> inFlight.release());
                    all.add(acquired);
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
                perSecond[round] = concurrent / ((System.nanoTime() - started) / 1e9);
            }
            System.out.printf("redisson RRateLimiter      one at a time: %6.0f µs/decision; 64 in flight: %7.0f decisions/s (medians of %d rounds; %s µs, %s /s)%n",
                    median(micros), median(perSecond), rounds, Arrays.toString(round(micros)), Arrays.toString(round(perSecond)));
            for (org.redisson.api.RRateLimiter limiter : limiters) {
                limiter.delete();
            }
        }
        finally {
            redisson.shutdown();
        }
    }

    /**
     * Three gateways, one sliding-window limit of 100/s through Redis, 8 clients per gateway
     * sending as fast as they can for {@code seconds}: admitted requests per second of the Redis
     * server's clock (this machine's: the server is local) against the limit.
     */
    private static void accuracy(int seconds) throws Exception {
        long limit = 100;
        String name = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        List<TestGateway> gateways = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                gateways.add(TestGateway.builder()
                        .plugin("rate-limit", new RateLimitPlugin())
                        .config("""
                                redis { default { address = "redis://127.0.0.1:6379" } }
                                filters.global { type = rate-limit, store = redis, store-timeout = 1s, on-store-failure = fail-closed
                                                 policies = [ { name = %s, key = route, limit = %d, window = 1s } ] }
                                routes = [ { id = api, path = "/api", endpoint = test-echo, filters = [global] } ]
                                """.formatted(name, limit))
                        .start());
            }
            HttpClient client = HttpClient.newHttpClient();
            Map<Long, AtomicLong> admittedPerSecond = new ConcurrentHashMap<>();
            AtomicLong refused = new AtomicLong();
            AtomicLong other = new AtomicLong();
            // The Redis client connects in the background: until then, fail-closed answers 503. The
            // requests admitted here fall in a second the measurement leaves out.
            for (TestGateway gateway : gateways) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (client.send(HttpRequest.newBuilder(gateway.http("/api")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 503) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the gateway did not reach Redis at 127.0.0.1:6379");
                    }
                    Thread.sleep(20);
                }
            }
            admittedPerSecond.clear();
            long end = System.currentTimeMillis() + seconds * 1000L;
            List<Thread> threads = new ArrayList<>();
            for (TestGateway gateway : gateways) {
                HttpRequest request = HttpRequest.newBuilder(gateway.http("/api")).build();
                for (int c = 0; c < 8; c++) {
                    Thread thread = new Thread(() -> {
                        while (System.currentTimeMillis() < end) {
                            try {
                                int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                                long second = System.currentTimeMillis() / 1000;
                                if (status == 200) {
                                    admittedPerSecond.computeIfAbsent(second, ignored -> new AtomicLong()).incrementAndGet();
                                }
                                else if (status == 429) {
                                    refused.incrementAndGet();
                                }
                                else {
                                    other.incrementAndGet();
                                }
                            }
                            catch (Exception e) {
                                other.incrementAndGet();
                            }
                        }
                    });
                    thread.start();
                    threads.add(thread);
                }
            }
            for (Thread thread : threads) {
                thread.join();
            }
            List<Long> fullSeconds = admittedPerSecond.keySet().stream().sorted().toList();
            // The first and last seconds are partly outside the run.
            List<Long> inner = fullSeconds.subList(1, fullSeconds.size() - 1);
            double[] ratios = inner.stream().mapToDouble(second -> admittedPerSecond.get(second).get() / (double) limit).toArray();
            long total = admittedPerSecond.values().stream().mapToLong(AtomicLong::get).sum();
            System.out.printf("accuracy, 3 gateways, sliding window %d/s through Redis, %d clients, %d s: admitted/limit per whole second "
                            + "mean %.3f, min %.2f, max %.2f over %d seconds %s; %d admitted, %d refused, %d other%n",
                    limit, 24, seconds, Arrays.stream(ratios).average().orElse(0), Arrays.stream(ratios).min().orElse(0),
                    Arrays.stream(ratios).max().orElse(0), ratios.length, Arrays.toString(round(ratios)), total, refused.get(), other.get());
        }
        finally {
            gateways.forEach(TestGateway::close);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(value -> Math.round(value * 100) / 100.0).toArray();
    }
}
