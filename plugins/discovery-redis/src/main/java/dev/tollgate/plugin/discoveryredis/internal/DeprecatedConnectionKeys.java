package dev.tollgate.plugin.discoveryredis.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;

/**
 * The connection keys that discovery-redis 1.0 read from the discovery block itself, deprecated
 * since 1.1.0 in favour of {@code gateway.redis} and removed in 1.2.0 (delete this class, the keys
 * in reference.conf and their use in {@link DiscoverySettings} then).
 *
 * <p>They are checked as 1.0 checked them, a key not written takes 1.0's default (those of a
 * {@code gateway.redis} entry), and reconnection backs off up to {@code max-retry-interval} as in
 * 1.0; the result is a {@link RedisSettings} named after the block, so that the rest of the plugin
 * knows one form only. {@link RedisConnectionSelector} chooses between them and {@code redis}.
 */
final class DeprecatedConnectionKeys {
    /** 1.0's first reconnection delay. */
    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(100);

    private DeprecatedConnectionKeys() {
    }

    /** The keys, read with {@code maxReconnectDelay} (the block's {@code max-retry-interval}) as 1.0's longest reconnection delay. */
    static RedisConnectionSelector.DeprecatedKeys keys(Duration maxReconnectDelay) {
        return new RedisConnectionSelector.DeprecatedKeys(
                List.of("mode", "address", "addresses", "master-name", "username", "password", "database", "connect-timeout", "timeout"),
                "discovery-redis 1.2.0",
                config -> read(config, maxReconnectDelay));
    }

    /**
     * @throws dev.tollgate.api.InvalidConfigException naming the key of a bad value
     */
    private static RedisSettings read(PluginConfig config, Duration maxReconnectDelay) {
        RedisSettings defaults = RedisSettings.builder(config.path()).build();
        String modeText = config.findString("mode").orElse("single");
        RedisSettings.Mode mode = switch (modeText) {
            case "single" -> RedisSettings.Mode.SINGLE;
            case "sentinel" -> RedisSettings.Mode.SENTINEL;
            case "cluster" -> RedisSettings.Mode.CLUSTER;
            default -> throw config.error("mode", "must be single, sentinel or cluster, not '" + modeText + "'");
        };
        RedisSettings.Builder settings = RedisSettings.builder(config.path()).mode(mode);
        List<String> addresses = config.has("addresses") ? config.getStringList("addresses") : List.of();
        String masterName = config.findString("master-name").orElse("").strip();
        switch (mode) {
            case SINGLE -> {
                String address = config.findString("address").orElse(defaults.address());
                checkAddress(config, "address", address);
                if (!addresses.isEmpty()) {
                    throw config.error("addresses", "is used in sentinel and cluster mode; in single mode set address");
                }
                if (!masterName.isEmpty()) {
                    throw config.error("master-name", "is used only in sentinel mode");
                }
                settings.address(address);
            }
            case SENTINEL, CLUSTER -> {
                if (addresses.isEmpty()) {
                    throw config.error("addresses", "missing: list at least one "
                            + (mode == RedisSettings.Mode.SENTINEL ? "Sentinel" : "cluster node") + ", e.g. [\"redis://10.0.0.1:"
                            + (mode == RedisSettings.Mode.SENTINEL ? "26379" : "6379") + "\"]");
                }
                for (String each : addresses) {
                    checkAddress(config, "addresses", each);
                }
                if (mode == RedisSettings.Mode.SENTINEL && masterName.isEmpty()) {
                    throw config.error("master-name", "missing: the name of the master the Sentinels monitor, e.g. \"mymaster\"");
                }
                if (mode == RedisSettings.Mode.CLUSTER && !masterName.isEmpty()) {
                    throw config.error("master-name", "is used only in sentinel mode");
                }
                settings.addresses(addresses).masterName(masterName);
            }
        }
        String username = config.findString("username").orElse("");
        String password = config.findString("password").orElse("");
        if (!username.isEmpty() && password.isEmpty()) {
            throw config.error("username", "needs a password: Redis authenticates a user with both");
        }
        int database = config.has("database") ? config.getInt("database") : 0;
        if (database < 0) {
            throw config.error("database", "must be 0 or more, not " + database);
        }
        if (mode == RedisSettings.Mode.CLUSTER && database != 0) {
            throw config.error("database", "must be 0 in cluster mode: a Redis cluster has only database 0");
        }
        return settings.username(username)
                .password(password)
                .database(database)
                .connectTimeout(config.has("connect-timeout") ? positiveMillis(config, "connect-timeout") : defaults.connectTimeout())
                .timeout(config.has("timeout") ? positiveMillis(config, "timeout") : defaults.timeout())
                .reconnect(FIRST_RECONNECT_DELAY,
                        maxReconnectDelay.compareTo(FIRST_RECONNECT_DELAY) > 0 ? maxReconnectDelay : FIRST_RECONNECT_DELAY)
                .build();
    }

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

    private static void checkAddress(PluginConfig config, String key, String address) {
        if (!address.startsWith("redis://") && !address.startsWith("rediss://")) {
            throw config.error(key, "'" + address + "' must start with redis:// (or rediss:// for TLS)");
        }
        URI uri;
        try {
            uri = new URI(address);
        }
        catch (URISyntaxException e) {
            throw config.error(key, "'" + address + "' is not a Redis address: " + e.getReason());
        }
        if (uri.getUserInfo() != null) {
            throw config.error(key, "'" + uri.getHost() + "': put credentials in username and password, not in the address");
        }
        if (uri.getHost() == null || uri.getPort() < 1) {
            throw config.error(key, "'" + address + "' needs a host and a port, e.g. redis://127.0.0.1:6379");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !"/".equals(path)) || uri.getRawQuery() != null) {
            throw config.error(key, "'" + address + "' must be only redis://host:port; set the database with database");
        }
    }
}
