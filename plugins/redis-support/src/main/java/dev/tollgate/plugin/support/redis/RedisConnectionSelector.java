package dev.tollgate.plugin.support.redis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.redis.RedisSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Which Redis connection a plugin's block uses: the {@code gateway.redis} entry its {@code redis}
 * key names ({@code default} when not written), or — for a plugin that read its connection from
 * its own block before {@code gateway.redis} existed — those deprecated keys
 * ({@link DeprecatedKeys}), with a warning. Writing both is a configuration error.
 *
 * <p>With neither written and no {@code gateway.redis} entry at all, the plugin connects to
 * {@code redis://127.0.0.1:6379} with the defaults of a {@code gateway.redis} entry and says so at
 * INFO, so that a gateway without any Redis configuration still starts. A {@code redis} key that
 * is written must name an entry that exists.
 *
 * <p>Called while a component is created from its configuration, on the thread that creates it.
 */
public final class RedisConnectionSelector {
    /** The connection used when {@code redis} is not written. */
    public static final String DEFAULT_NAME = "default";

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnectionSelector.class);

    private RedisConnectionSelector() {
    }

    /**
     * The connection of a block that has no connection keys of its own, only {@code redis}.
     *
     * @throws dev.tollgate.api.InvalidConfigException when {@code redis} names no connection
     */
    public static RedisSettings select(PluginConfig config, PluginContext context) {
        return select(config, context, DeprecatedKeys.NONE);
    }

    /**
     * The connection of a block that may still carry the plugin's {@code deprecated} connection
     * keys.
     *
     * @throws dev.tollgate.api.InvalidConfigException when both forms are written, {@code redis}
     *         names no connection, or {@code deprecated}'s reader refuses a value
     */
    public static RedisSettings select(PluginConfig config, PluginContext context, DeprecatedKeys deprecated) {
        requireNonNull(config, "config is null");
        requireNonNull(context, "context is null");
        requireNonNull(deprecated, "deprecated is null");
        List<String> written = deprecated.written(config);
        boolean named = config.has("redis");
        if (named && !written.isEmpty()) {
            throw config.error("redis", "names a gateway.redis connection, so the connection keys " + String.join(", ", written)
                    + " must not be written here as well: set them in gateway.redis." + config.getString("redis"));
        }
        if (!written.isEmpty()) {
            LOG.warn("{}: {} {} deprecated and will be removed in {}: move {} to gateway.redis.{} { … }, "
                            + "which this uses unless redis = <name> names another connection",
                    config.path(), String.join(", ", written), written.size() == 1 ? "is" : "are", deprecated.removedIn(),
                    written.size() == 1 ? "it" : "them", DEFAULT_NAME);
            return deprecated.reader().apply(config);
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

    /**
     * The connection keys a plugin read from its own block before {@code gateway.redis}, still
     * accepted until they are removed. Which keys they are and how they are checked is each
     * plugin's own (as its earlier releases did); the result is a {@link RedisSettings}, so that the
     * rest of the plugin knows one form only.
     *
     * @param keys the keys, relative to the block, in the order of the documentation
     * @param removedIn the release that removes them, for the warning, e.g.
     *        {@code "discovery-redis 1.2.0"}
     * @param reader reads the block's keys into settings named after the block; throws
     *        {@link dev.tollgate.api.InvalidConfigException} naming the key of a bad value
     */
    public record DeprecatedKeys(List<String> keys, String removedIn, Function<PluginConfig, RedisSettings> reader) {
        private static final DeprecatedKeys NONE = new DeprecatedKeys(List.of(), "", config -> {
            throw new IllegalStateException("no deprecated connection keys to read");
        });

        public DeprecatedKeys {
            keys = List.copyOf(requireNonNull(keys, "keys is null"));
            requireNonNull(removedIn, "removedIn is null");
            requireNonNull(reader, "reader is null");
        }

        /** Those of the keys written in {@code config}, in the order of {@link #keys()}. */
        public List<String> written(PluginConfig config) {
            return keys.stream().filter(config::has).toList();
        }
    }
}
