package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The connection keys that event-bridge-redis 1.0 read from the bridge's block itself, deprecated
 * since 1.1.0 in favour of {@code gateway.redis} and removed in 1.2.0 (delete this class, the keys
 * in reference.conf and their use in {@link RedisBridgeSettings} then).
 *
 * <p>They are checked as 1.0 checked them (except that a user now needs a password: 1.0 ignored
 * a user without one, connecting as the default user), and a key not written takes 1.0's default (those of a
 * {@code gateway.redis} entry); keys 1.0 ignored in a mode (a master name or Sentinel credentials
 * outside sentinel mode) are still ignored. The result is a {@link RedisSettings} named after the
 * block, so that the rest of the plugin knows one form only. {@link RedisConnectionSelector} chooses
 * between them and {@code redis}.
 */
final class DeprecatedConnectionKeys {
    static final RedisConnectionSelector.DeprecatedKeys KEYS = new RedisConnectionSelector.DeprecatedKeys(
            List.of("mode", "address", "addresses", "master-name", "username", "password", "sentinel-username", "sentinel-password",
                    "database", "connect-timeout", "timeout", "reconnect.min-delay", "reconnect.max-delay", "ping-interval"),
            "event-bridge-redis 1.2.0",
            DeprecatedConnectionKeys::read);

    private static final Duration LONGEST = Duration.ofHours(1);

    private DeprecatedConnectionKeys() {
    }

    /**
     * @throws dev.tollgate.api.InvalidConfigException naming the key of a bad value
     */
    private static RedisSettings read(PluginConfig config) {
        RedisSettings defaults = RedisSettings.builder(config.path()).build();
        RedisSettings.Mode mode = switch (config.findString("mode").orElse("single").toLowerCase(Locale.ROOT)) {
            case "single" -> RedisSettings.Mode.SINGLE;
            case "sentinel" -> RedisSettings.Mode.SENTINEL;
            case "cluster" -> RedisSettings.Mode.CLUSTER;
            default -> throw config.error("mode", "must be single, sentinel or cluster");
        };
        RedisSettings.Builder settings = RedisSettings.builder(config.path()).mode(mode);
        String masterName = config.findString("master-name").orElse("");
        int database = config.has("database") ? config.getInt("database") : 0;
        if (database < 0) {
            throw config.error("database", "must not be negative");
        }
        if (mode == RedisSettings.Mode.SINGLE) {
            settings.address(redisAddress(config, "address", config.findString("address").orElse(defaults.address())));
        }
        else {
            List<String> written = config.has("addresses") ? config.getStringList("addresses") : List.of();
            if (written.isEmpty()) {
                throw config.error("addresses", "must list at least one " + (mode == RedisSettings.Mode.SENTINEL ? "sentinel" : "cluster node")
                        + " address for mode = " + mode.name().toLowerCase(Locale.ROOT));
            }
            List<String> checked = new ArrayList<>();
            for (String address : written) {
                checked.add(redisAddress(config, "addresses", address));
            }
            settings.addresses(checked);
            if (mode == RedisSettings.Mode.SENTINEL && masterName.isBlank()) {
                throw config.error("master-name", "must name the master for mode = sentinel");
            }
            if (mode == RedisSettings.Mode.CLUSTER && database != 0) {
                throw config.error("database", "must be 0 for mode = cluster (a cluster has only database 0)");
            }
        }
        if (mode == RedisSettings.Mode.SENTINEL) {
            settings.masterName(masterName)
                    .sentinelUsername(credential(config, "sentinel-username", "sentinel-password"))
                    .sentinelPassword(config.findString("sentinel-password").orElse(""));
        }
        Duration reconnectMin = config.has("reconnect.min-delay") ? positive(config, "reconnect.min-delay") : defaults.reconnect().minDelay();
        Duration reconnectMax = config.has("reconnect.max-delay") ? positive(config, "reconnect.max-delay") : defaults.reconnect().maxDelay();
        if (reconnectMax.compareTo(reconnectMin) < 0) {
            throw config.error("reconnect.max-delay", "must not be less than reconnect.min-delay (" + reconnectMin.toMillis() + "ms)");
        }
        Duration pingInterval = config.has("ping-interval") ? config.getDuration("ping-interval") : defaults.pingInterval();
        if (pingInterval.isNegative() || pingInterval.compareTo(LONGEST) > 0) {
            throw config.error("ping-interval", "must be between 0s (disabled) and 1h");
        }
        return settings.username(credential(config, "username", "password"))
                .password(config.findString("password").orElse(""))
                .database(database)
                .connectTimeout(config.has("connect-timeout") ? timeout(config, "connect-timeout") : defaults.connectTimeout())
                .timeout(config.has("timeout") ? timeout(config, "timeout") : defaults.timeout())
                .reconnect(reconnectMin, reconnectMax)
                .pingInterval(pingInterval)
                .build();
    }

    private static String credential(PluginConfig config, String userKey, String passwordKey) {
        String user = config.findString(userKey).orElse("");
        if (!user.isEmpty() && config.findString(passwordKey).orElse("").isEmpty()) {
            throw config.error(userKey, "needs a password (" + passwordKey + "): Redis authenticates a user with both");
        }
        return user;
    }

    private static String redisAddress(PluginConfig config, String key, String address) {
        URI uri;
        try {
            uri = new URI(address);
        }
        catch (URISyntaxException e) {
            throw config.error(key, "'" + address + "' is not an address: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw config.error(key, "'" + address + "' must start with redis:// or rediss:// (TLS)");
        }
        if (uri.getHost() == null || uri.getPort() < 1) {
            throw config.error(key, "'" + address + "' must name a host and a port, e.g. redis://127.0.0.1:6379");
        }
        if (uri.getUserInfo() != null) {
            throw config.error(key, "must not carry credentials; use username and password");
        }
        // 1.0 took the scheme in any case; RedisSettings (and Redisson) take it in lower case.
        return scheme + address.substring(scheme.length());
    }

    private static Duration timeout(PluginConfig config, String key) {
        Duration value = positive(config, key);
        if (value.compareTo(LONGEST) > 0) {
            throw config.error(key, "must be at most 1h");
        }
        return value;
    }

    private static Duration positive(PluginConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.isNegative() || value.isZero()) {
            throw config.error(key, "must be positive");
        }
        if (value.toMillis() == 0) {
            throw config.error(key, "must be at least 1ms");
        }
        if (value.toDays() > 365) {
            throw config.error(key, "must be at most 365d");
        }
        return value;
    }
}
