package dev.tollgate.plugin.ratelimit.internal;

import org.redisson.api.RScript;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * Counters in Redis, shared by every gateway instance: one script call per decision
 * ({@code EVALSHA}, {@code EVAL} when the server does not know the script yet), atomic on the
 * server, timed by the server's clock ({@code TIME}), so that gateways' clocks, skewed or not,
 * play no part. Keys are {@code tollgate:rl:{<policy>:<key>}}: the braces are a hash tag, so that
 * each key maps to one slot of a Redis Cluster; keys longer than 200 characters are replaced by
 * their SHA-256.
 *
 * <p>The stage completes on a Redisson thread, or fails when Redis is not connected or answers
 * with an error. Bounding the wait is the caller's ({@code store-timeout}).
 */
public final class RedisStore implements Store {
    private static final String SCRIPT = loadScript();
    private static final String SHA = sha1(SCRIPT);
    private static final int MAX_KEY_LENGTH = 200;

    private final RedisConnection connection;

    public RedisStore(RedisConnection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Override
    public CompletionStage<Decision> decide(Policy policy, String key) {
        RScript script = connection.script();
        if (script == null) {
            return CompletableFuture.failedStage(new IllegalStateException("not connected to Redis yet"));
        }
        boolean bucket = policy.algorithm() == Policy.Algorithm.TOKEN_BUCKET;
        return call(script, policy, key, bucket ? "tb" : "sw", 0)
                .thenApply(values -> bucket ? bucketDecision(policy, values) : windowDecision(policy, values));
    }

    @Override
    public CompletionStage<Void> refund(Decision admission, String key) {
        RScript script = connection.script();
        if (script == null || !admission.admitted()) {
            return CompletableFuture.completedFuture(null);
        }
        Policy policy = admission.policy();
        boolean bucket = policy.algorithm() == Policy.Algorithm.TOKEN_BUCKET;
        return call(script, policy, key, bucket ? "refund-tb" : "refund-sw", admission.window()).thenApply(ignored -> null);
    }

    /** One script call, EVALSHA first, EVAL when the server does not have the script. */
    private static CompletionStage<List<Long>> call(RScript script, Policy policy, String key, String operation, long window) {
        String redisKey = redisKey(policy, key);
        Object[] arguments = {operation, Long.toString(policy.limit()), Long.toString(policy.window().toNanos() / 1000),
                Long.toString(policy.burst()), Long.toString(window)};
        List<Object> keys = List.of(redisKey);
        return script.<List<Long>>evalShaAsync(redisKey, RScript.Mode.READ_WRITE, SHA, RScript.ReturnType.MULTI, keys, arguments)
                .exceptionallyCompose(failure -> isNoScript(failure)
                        ? script.evalAsync(redisKey, RScript.Mode.READ_WRITE, SCRIPT, RScript.ReturnType.MULTI, keys, arguments)
                        : CompletableFuture.failedStage(failure));
    }

    /** Completes when Redis answers a trivial script; fails when it does not (or is not connected). */
    public CompletionStage<Void> probe() {
        RScript script = connection.script();
        if (script == null) {
            return CompletableFuture.failedStage(new IllegalStateException("not connected to Redis yet"));
        }
        return script.<Long>evalAsync(RScript.Mode.READ_ONLY, "return 1", RScript.ReturnType.INTEGER).thenApply(one -> null);
    }

    /** The Redis key of a policy's key, hash-tagged. */
    public static String redisKey(Policy policy, String key) {
        String tagged = policy.name() + ":" + key;
        if (tagged.length() > MAX_KEY_LENGTH) {
            tagged = policy.name() + ":sha256:" + sha256(key);
        }
        return "tollgate:rl:{" + tagged.replace('{', '(').replace('}', ')') + "}";
    }

    private static Decision bucketDecision(Policy policy, List<Long> values) {
        return values.get(0) == 1 ? new Decision(policy, true, values.get(1), values.get(2) * 1000, 0)
                : Decision.refused(policy, values.get(2) * 1000);
    }

    private static Decision windowDecision(Policy policy, List<Long> values) {
        long window = policy.window().toNanos() / 1000 * 1000;
        long previous = values.get(1);
        long current = values.get(2);
        long elapsed = values.get(3) * 1000;
        if (values.get(0) == 1) {
            return SlidingWindow.admitted(policy, values.get(4), previous, current, elapsed, window);
        }
        return Decision.refused(policy, SlidingWindow.wait(policy.limit(), previous, current, elapsed, window));
    }

    private static boolean isNoScript(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && message.contains("NOSCRIPT")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        // The connection is a shared resource: the runtime closes it with its last user.
    }

    private static String loadScript() {
        try (InputStream in = RedisStore.class.getResourceAsStream("/dev/tollgate/plugin/ratelimit/rate-limit.lua")) {
            if (in == null) {
                throw new IllegalStateException("rate-limit.lua is missing from the plugin jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        return digest("SHA-1", text);
    }

    private static String sha256(String text) {
        return digest("SHA-256", text);
    }

    private static String digest(String algorithm, String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from the JDK", e);
        }
    }
}
