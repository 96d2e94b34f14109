package dev.tollgate.plugin.discoveryredis.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The whole of {@code tollgate.discovery.redis}, read and validated once in {@code create}.
 *
 * @param redis how to reach Redis: the {@code gateway.redis} connection the block names, or the
 *        deprecated connection keys written in it ({@link RedisConnectionSelector})
 * @param keyPrefix what every registry key starts with
 * @param refreshInterval how often each watched service is read again (to notice expiries)
 * @param maxRetryInterval the longest wait between reads while Redis is unreachable
 * @param instanceTtl how long a registration lives without a heartbeat (registrations made through the
 *        discovery); also the age of the last successful read after which an outage is reported DOWN
 * @param heartbeatInterval how often those registrations are renewed
 */
public record DiscoverySettings(
        RedisSettings redis,
        String keyPrefix,
        Duration refreshInterval,
        Duration maxRetryInterval,
        Duration instanceTtl,
        Duration heartbeatInterval) {

    private static final Duration SHORTEST_REFRESH = Duration.ofMillis(10);

    public DiscoverySettings {
        requireNonNull(redis, "redis is null");
        requireNonNull(keyPrefix, "keyPrefix is null");
        requireNonNull(refreshInterval, "refreshInterval is null");
        requireNonNull(maxRetryInterval, "maxRetryInterval is null");
        requireNonNull(instanceTtl, "instanceTtl is null");
        requireNonNull(heartbeatInterval, "heartbeatInterval is null");
    }

    /**
     * Reads and validates {@code config}; the Redis connection it names comes from {@code context}.
     *
     * @throws dev.tollgate.api.InvalidConfigException naming the key of a bad value
     */
    public static DiscoverySettings read(PluginConfig config, PluginContext context) {
        String keyPrefix = config.getString("key-prefix");
        String prefixProblem = RegistryKeys.prefixProblem(keyPrefix);
        if (prefixProblem != null) {
            throw config.error("key-prefix", prefixProblem);
        }
        Duration refreshInterval = config.getDuration("refresh-interval");
        if (refreshInterval.compareTo(SHORTEST_REFRESH) < 0) {
            throw config.error("refresh-interval", "must be at least 10ms, not " + refreshInterval.toMillis() + "ms");
        }
        Duration maxRetryInterval = config.getDuration("max-retry-interval");
        if (maxRetryInterval.compareTo(refreshInterval) < 0) {
            throw config.error("max-retry-interval", "must be at least refresh-interval (" + refreshInterval.toMillis() + "ms), not "
                    + maxRetryInterval.toMillis() + "ms");
        }
        Duration instanceTtl = positiveMillis(config, "instance-ttl");
        Duration heartbeatInterval = positiveMillis(config, "heartbeat-interval");
        if (heartbeatInterval.compareTo(instanceTtl) >= 0) {
            throw config.error("heartbeat-interval", "must be shorter than instance-ttl (" + instanceTtl.toMillis()
                    + "ms), or registrations expire between heartbeats; a third of it is usual");
        }
        RedisSettings redis = RedisConnectionSelector.select(config, context, DeprecatedConnectionKeys.keys(maxRetryInterval));
        return new DiscoverySettings(redis, keyPrefix, refreshInterval, maxRetryInterval, instanceTtl, heartbeatInterval);
    }

    /** A duration of at least one millisecond that fits Redisson's {@code int} milliseconds. */
    private static Duration positiveMillis(PluginConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.toMillis() < 1) {
            throw config.error(key, "must be at least 1ms, not " + value.toMillis() + "ms");
        }
        if (value.toMillis() > Integer.MAX_VALUE) {
            throw config.error(key, "must be less than " + Integer.MAX_VALUE + "ms");
        }
        return value;
    }

    /** The Redis names of {@code service}'s entries. */
    public RegistryKeys keys(String service) {
        return RegistryKeys.of(keyPrefix, service);
    }
}
