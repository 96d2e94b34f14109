package dev.tollgate.plugin.ratelimit.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A rate-limit filter's configuration, read and checked once.
 *
 * @param redis the connection when {@code store = redis}, empty for the local store
 */
public record RateLimitSettings(Optional<RedisSettings> redis, List<Policy> policies, boolean failOpen,
        Duration storeTimeout, boolean legacyHeaders, int maxTrackedKeys) {

    private static final Set<String> KEYS = Set.of("store", "redis", "policies", "on-store-failure", "store-timeout",
            "legacy-headers", "max-tracked-keys");
    private static final Set<String> POLICY_KEYS = Set.of("name", "key", "limit", "window", "algorithm", "burst", "fallback");

    public RateLimitSettings {
        requireNonNull(redis, "redis is null");
        policies = List.copyOf(requireNonNull(policies, "policies is null"));
        requireNonNull(storeTimeout, "storeTimeout is null");
    }

    public static RateLimitSettings read(PluginConfig config, PluginContext context) {
        config.refuseUnknownKeys(KEYS);
        String store = config.getString("store");
        Optional<RedisSettings> redis = switch (store) {
            case "local" -> Optional.empty();
            case "redis" -> Optional.of(RedisConnectionSelector.select(config, context));
            default -> throw config.error("store", "must be local or redis, not '" + store + "'");
        };
        String onFailure = config.getString("on-store-failure");
        boolean failOpen = switch (onFailure) {
            case "fail-open" -> true;
            case "fail-closed" -> false;
            default -> throw config.error("on-store-failure", "must be fail-open or fail-closed, not '" + onFailure + "'");
        };
        Duration storeTimeout = config.getDuration("store-timeout");
        if (storeTimeout.isNegative() || storeTimeout.isZero()) {
            throw config.error("store-timeout", "must be positive");
        }
        int maxTrackedKeys = config.getInt("max-tracked-keys");
        if (maxTrackedKeys < 1) {
            throw config.error("max-tracked-keys", "must be at least 1");
        }
        List<Policy> policies = readPolicies(config);
        return new RateLimitSettings(redis, policies, failOpen, storeTimeout, config.getBoolean("legacy-headers"),
                maxTrackedKeys);
    }

    private static List<Policy> readPolicies(PluginConfig config) {
        List<PluginConfig> entries = config.getConfigList("policies");
        if (entries.isEmpty()) {
            throw config.error("policies", "at least one policy is needed, e.g. [{ name = per-ip, key = ip, limit = 100, window = 1s }]");
        }
        List<Policy> policies = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (PluginConfig entry : entries) {
            entry.refuseUnknownKeys(POLICY_KEYS);
            for (String required : List.of("name", "key", "limit", "window")) {
                if (!entry.has(required)) {
                    throw entry.error(required, "is required in a policy");
                }
            }
            String name = entry.getString("name");
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\')) {
                throw entry.error("name", "must be non-empty visible ASCII without quotes or backslashes (it is sent in the RateLimit headers)");
            }
            if (!names.add(name)) {
                throw entry.error("name", "policy '" + name + "' is defined twice");
            }
            long limit = entry.getLong("limit");
            if (limit < 1) {
                throw entry.error("limit", "must be at least 1");
            }
            Duration window = entry.getDuration("window");
            if (window.toMillis() < 1) {
                throw entry.error("window", "must be at least 1ms");
            }
            Policy.Algorithm algorithm = entry.has("algorithm")
                    ? Policy.Algorithm.parse(entry.getString("algorithm"))
                            .orElseThrow(() -> entry.error("algorithm", "must be sliding-window or token-bucket"))
                    : Policy.Algorithm.SLIDING_WINDOW;
            long burst = limit;
            if (entry.has("burst")) {
                if (algorithm != Policy.Algorithm.TOKEN_BUCKET) {
                    throw entry.error("burst", "applies to algorithm = token-bucket only");
                }
                burst = entry.getLong("burst");
                if (burst < 1) {
                    throw entry.error("burst", "must be at least 1");
                }
            }
            policies.add(new Policy(name, readKey(entry), limit, window, algorithm, burst,
                    entry.has("fallback") ? Optional.of(entry.getString("fallback")) : Optional.empty()));
        }
        for (int i = 0; i < policies.size(); i++) {
            Optional<String> fallback = policies.get(i).fallback();
            if (fallback.isPresent() && (!names.contains(fallback.get()) || fallback.get().equals(policies.get(i).name()))) {
                throw entries.get(i).error("fallback", "must name another policy of this filter (" + String.join(", ", names) + ")");
            }
        }
        checkNoFallbackCycle(policies, config);
        return policies;
    }

    private static List<KeySource> readKey(PluginConfig entry) {
        Object raw = entry.unwrapped().get("key");
        List<String> names = raw instanceof List<?> ? entry.getStringList("key") : List.of(entry.getString("key"));
        if (names.isEmpty()) {
            throw entry.error("key", "must name at least one of ip, principal, api-key, route, header:<name>");
        }
        List<KeySource> sources = new ArrayList<>();
        for (String name : names) {
            sources.add(KeySource.parse(name).orElseThrow(() -> entry.error("key",
                    "unknown key '" + name + "' (known: ip, principal, api-key, route, header:<name>)")));
        }
        return sources;
    }

    private static void checkNoFallbackCycle(List<Policy> policies, PluginConfig config) {
        Map<String, Policy> byName = new java.util.HashMap<>();
        policies.forEach(policy -> byName.put(policy.name(), policy));
        for (Policy policy : policies) {
            Set<String> seen = new HashSet<>();
            Policy current = policy;
            while (current.fallback().isPresent()) {
                if (!seen.add(current.name())) {
                    throw config.error("policies", "the fallbacks of policy '" + policy.name() + "' form a cycle");
                }
                current = byName.get(current.fallback().get());
            }
        }
    }
}
