package dev.tollgate.plugin.discoveryredis.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.redis.RedisSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * Which Redis connection a discovery block uses: the {@code gateway.redis} entry its
 * {@code redis} key names ({@code default} when not written), or — deprecated, until
 * discovery-redis 1.2.0 — the connection keys written in the block itself
 * ({@link DeprecatedConnectionKeys}), with a warning. Writing both is a configuration error.
 *
 * <p>With neither written and no {@code gateway.redis} entry at all, the discovery connects to
 * {@code redis://127.0.0.1:6379} with the defaults of a {@code gateway.redis} entry, as 1.0 did
 * with its own defaults, and says so at INFO: the gateway keeps starting without any Redis
 * configuration. A {@code redis} key that is written must name an entry that exists.
 */
public final class RedisConnectionSelector {
    /** The connection used when {@code redis} is not written. */
    public static final String DEFAULT_NAME = "default";

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnectionSelector.class);

    private RedisConnectionSelector() {
    }

    /**
     * @param maxRetryInterval the block's {@code max-retry-interval}, which the deprecated keys
     *        use as their longest reconnection delay, as 1.0 did
     * @throws dev.tollgate.api.InvalidConfigException when both forms are written, or
     *         {@code redis} names no connection
     */
    public static RedisSettings select(PluginConfig config, PluginContext context, Duration maxRetryInterval) {
        List<String> deprecated = DeprecatedConnectionKeys.written(config);
        boolean named = config.has("redis");
        if (named && !deprecated.isEmpty()) {
            throw config.error("redis", "names a gateway.redis connection, so the connection keys " + String.join(", ", deprecated)
                    + " must not be written here as well: set them in gateway.redis." + config.getString("redis"));
        }
        if (!deprecated.isEmpty()) {
            LOG.warn("{}: {} {} deprecated and will be removed in discovery-redis 1.2.0: move {} to gateway.redis.{} { … }, "
                            + "which this uses unless redis = <name> names another connection",
                    config.path(), String.join(", ", deprecated), deprecated.size() == 1 ? "is" : "are",
                    deprecated.size() == 1 ? "it" : "them", DEFAULT_NAME);
            return DeprecatedConnectionKeys.read(config, maxRetryInterval);
        }
        if (!named && context.redisNames().isEmpty()) {
            RedisSettings fallback = RedisSettings.builder(DEFAULT_NAME).build();
            LOG.info("{}: no Redis connection is configured (gateway.redis is empty): using {} with the defaults of a gateway.redis "
                    + "entry; declare gateway.redis.{} { … } to choose", config.path(), fallback.address(), DEFAULT_NAME);
            return fallback;
        }
        String name = named ? config.getString("redis") : DEFAULT_NAME;
        try {
            return context.redis(name);
        }
        catch (IllegalArgumentException e) {
            throw config.error("redis", e.getMessage() + (named ? "" : " (redis is not set, so it is '" + DEFAULT_NAME + "')"));
        }
    }
}
