package dev.tollgate.plugin.discoveryredis.internal;

import dev.tollgate.api.PluginConfig;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.SingleServerConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How to reach Redis: the connection part of {@code tollgate.discovery.redis}, read and
 * validated once, and turned into a Redisson {@link Config}.
 *
 * @param mode single server, Sentinel-managed master, or Cluster
 * @param address the server, {@code redis://host:port} or {@code rediss://host:port} (single mode)
 * @param addresses the Sentinels (sentinel mode) or seed nodes (cluster mode)
 * @param masterName the master's name as the Sentinels know it (sentinel mode)
 * @param username the ACL user, if any
 * @param password the password, if any; never printed
 * @param database the logical database (single and sentinel mode; a cluster has only 0)
 * @param connectTimeout how long establishing a connection may take
 * @param timeout how long Redis may take to answer a command
 * @param maxReconnectDelay the longest wait between two attempts to reconnect
 */
public record RedisConnectionSettings(
        Mode mode,
        String address,
        List<String> addresses,
        String masterName,
        Optional<String> username,
        Optional<String> password,
        int database,
        Duration connectTimeout,
        Duration timeout,
        Duration maxReconnectDelay) {

    /** The first reconnection attempt after a connection is lost; later ones back off to {@link #maxReconnectDelay}. */
    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(100);

    public RedisConnectionSettings {
        requireNonNull(mode, "mode is null");
        requireNonNull(address, "address is null");
        addresses = List.copyOf(requireNonNull(addresses, "addresses is null"));
        requireNonNull(masterName, "masterName is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
        requireNonNull(timeout, "timeout is null");
        requireNonNull(maxReconnectDelay, "maxReconnectDelay is null");
    }

    /** Where Redis runs and how Redisson finds the master. */
    public enum Mode {
        SINGLE, SENTINEL, CLUSTER;

        static Optional<Mode> parse(String text) {
            for (Mode mode : values()) {
                if (mode.name().toLowerCase(Locale.ROOT).equals(text)) {
                    return Optional.of(mode);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Reads and validates the connection keys of {@code config}.
     *
     * @param maxReconnectDelay from the registry settings ({@code max-retry-interval})
     * @throws dev.tollgate.api.InvalidConfigException naming the key of a bad value
     */
    public static RedisConnectionSettings read(PluginConfig config, Duration maxReconnectDelay) {
        String modeText = config.getString("mode");
        Mode mode = Mode.parse(modeText)
                .orElseThrow(() -> config.error("mode", "must be single, sentinel or cluster, not '" + modeText + "'"));
        String address = config.getString("address");
        List<String> addresses = config.getStringList("addresses");
        String masterName = config.getString("master-name").strip();
        switch (mode) {
            case SINGLE -> {
                checkAddress(config, "address", address);
                if (!addresses.isEmpty()) {
                    throw config.error("addresses", "is used in sentinel and cluster mode; in single mode set address");
                }
                if (!masterName.isEmpty()) {
                    throw config.error("master-name", "is used only in sentinel mode");
                }
            }
            case SENTINEL, CLUSTER -> {
                if (addresses.isEmpty()) {
                    throw config.error("addresses", "missing: list at least one "
                            + (mode == Mode.SENTINEL ? "Sentinel" : "cluster node") + ", e.g. [\"redis://10.0.0.1:"
                            + (mode == Mode.SENTINEL ? "26379" : "6379") + "\"]");
                }
                for (String each : addresses) {
                    checkAddress(config, "addresses", each);
                }
                if (mode == Mode.SENTINEL && masterName.isEmpty()) {
                    throw config.error("master-name", "missing: the name of the master the Sentinels monitor, e.g. \"mymaster\"");
                }
                if (mode == Mode.CLUSTER && !masterName.isEmpty()) {
                    throw config.error("master-name", "is used only in sentinel mode");
                }
            }
        }
        Optional<String> username = Optional.of(config.getString("username")).filter(text -> !text.isEmpty());
        Optional<String> password = Optional.of(config.getString("password")).filter(text -> !text.isEmpty());
        if (username.isPresent() && password.isEmpty()) {
            throw config.error("username", "needs a password: Redis authenticates a user with both");
        }
        int database = config.getInt("database");
        if (database < 0) {
            throw config.error("database", "must be 0 or more, not " + database);
        }
        if (mode == Mode.CLUSTER && database != 0) {
            throw config.error("database", "must be 0 in cluster mode: a Redis cluster has only database 0");
        }
        Duration connectTimeout = positiveMillis(config, "connect-timeout");
        Duration timeout = positiveMillis(config, "timeout");
        return new RedisConnectionSettings(mode, address, addresses, masterName, username, password, database,
                connectTimeout, timeout, maxReconnectDelay);
    }

    /** A duration of at least one millisecond that fits Redisson's {@code int} milliseconds. */
    static Duration positiveMillis(PluginConfig config, String key) {
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

    /**
     * A Redisson configuration for these settings: strings as values, small pools and few
     * threads (discovery sends a few commands per refresh), every command to the master (the
     * read script also removes expired entries; one Sentinel is enough), no retries inside Redisson (the
     * caller retries with back-off), and reconnection backing off from 100 ms to
     * {@link #maxReconnectDelay}. Creating a client from it connects, blocking until connected
     * or failed: do it on a blocking executor. (Redisson's lazy initialisation is not used: it
     * connects, blocking, inside the first asynchronous call instead.)
     */
    public Config toRedissonConfig(String clientName) {
        requireNonNull(clientName, "clientName is null");
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.setUseThreadClassLoader(false);
        config.setNettyThreads(2);
        config.setThreads(2);
        BaseConfig<?> base = switch (mode) {
            case SINGLE -> {
                SingleServerConfig single = config.useSingleServer()
                        .setAddress(address)
                        .setDatabase(database)
                        .setConnectionMinimumIdleSize(1)
                        .setConnectionPoolSize(4)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(8);
                yield single;
            }
            case SENTINEL -> {
                SentinelServersConfig sentinel = config.useSentinelServers()
                        .setMasterName(masterName)
                        .setDatabase(database)
                        .setCheckSentinelsList(false)
                        .setReadMode(ReadMode.MASTER)
                        .setMasterConnectionMinimumIdleSize(1)
                        .setMasterConnectionPoolSize(4)
                        .setSlaveConnectionMinimumIdleSize(1)
                        .setSlaveConnectionPoolSize(4)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(8);
                sentinel.setSentinelAddresses(new ArrayList<>(addresses));
                yield sentinel;
            }
            case CLUSTER -> {
                ClusterServersConfig cluster = config.useClusterServers()
                        .setReadMode(ReadMode.MASTER)
                        .setMasterConnectionMinimumIdleSize(1)
                        .setMasterConnectionPoolSize(4)
                        .setSlaveConnectionMinimumIdleSize(1)
                        .setSlaveConnectionPoolSize(4)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(8);
                cluster.setNodeAddresses(new ArrayList<>(addresses));
                yield cluster;
            }
        };
        base.setClientName(clientName)
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setTimeout((int) timeout.toMillis())
                .setSubscriptionTimeout((int) timeout.toMillis())
                .setRetryAttempts(0)
                .setReconnectionDelay(new EqualJitterDelay(FIRST_RECONNECT_DELAY,
                        maxReconnectDelay.compareTo(FIRST_RECONNECT_DELAY) > 0 ? maxReconnectDelay : FIRST_RECONNECT_DELAY));
        username.ifPresent(base::setUsername);
        password.ifPresent(base::setPassword);
        return config;
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "RedisConnectionSettings[mode=" + mode + ", address=" + address + ", addresses=" + addresses
                + ", masterName=" + masterName + ", username=" + username.orElse("") + ", password="
                + (password.isPresent() ? "***" : "") + ", database=" + database + ", connectTimeout=" + connectTimeout
                + ", timeout=" + timeout + ", maxReconnectDelay=" + maxReconnectDelay + "]";
    }
}
