package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.event.HistoryRule;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import static java.util.Objects.requireNonNull;

/**
 * The bridge's configuration ({@code gateway.events.redis} over {@code tollgate.bridges.redis}),
 * read and validated once by {@link #read}.
 *
 * @param connection how to reach Redis
 * @param channelPrefix prepended to every channel to form its Redis channel
 * @param keyPrefix prepended to the keys of history streams and presence hashes
 * @param history channels that keep history, first match wins
 * @param historyIdleExpiry how long a stream outlives its last event
 * @param presence presence expiry and refresh
 * @param delivery the lanes that call the event listeners
 */
public record RedisBridgeSettings(
        Connection connection,
        String channelPrefix,
        String keyPrefix,
        List<HistoryRule> history,
        Duration historyIdleExpiry,
        Presence presence,
        Delivery delivery) {

    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);
    private static final long MAX_LANE_BYTES = 16L << 30;

    public RedisBridgeSettings {
        requireNonNull(connection, "connection is null");
        requireNonNull(channelPrefix, "channelPrefix is null");
        requireNonNull(keyPrefix, "keyPrefix is null");
        history = List.copyOf(history);
        requireNonNull(historyIdleExpiry, "historyIdleExpiry is null");
        requireNonNull(presence, "presence is null");
        requireNonNull(delivery, "delivery is null");
    }

    /** How the bridge finds Redis. */
    public enum Mode {
        SINGLE, SENTINEL, CLUSTER
    }

    /**
     * Connection settings. {@link #toString()} masks the passwords.
     *
     * @param addresses the one server ({@code single}), the sentinels or the cluster's seed nodes
     * @param masterName the master's name ({@code sentinel}), else empty
     * @param username ACL user, empty for the default user
     * @param password empty for none
     * @param reconnectMinDelay first delay of the reconnection back-off
     * @param reconnectMaxDelay its ceiling
     * @param pingInterval zero to disable connection pings
     */
    public record Connection(
            Mode mode,
            List<String> addresses,
            String masterName,
            String username,
            String password,
            String sentinelUsername,
            String sentinelPassword,
            int database,
            Duration connectTimeout,
            Duration timeout,
            Duration reconnectMinDelay,
            Duration reconnectMaxDelay,
            Duration probeInterval,
            Duration pingInterval,
            int connections,
            int subscriptionConnections,
            int subscriptionsPerConnection,
            int ioThreads,
            int listenerThreads) {

        public Connection {
            requireNonNull(mode, "mode is null");
            addresses = List.copyOf(addresses);
            requireNonNull(masterName, "masterName is null");
            requireNonNull(username, "username is null");
            requireNonNull(password, "password is null");
            requireNonNull(sentinelUsername, "sentinelUsername is null");
            requireNonNull(sentinelPassword, "sentinelPassword is null");
            requireNonNull(connectTimeout, "connectTimeout is null");
            requireNonNull(timeout, "timeout is null");
            requireNonNull(reconnectMinDelay, "reconnectMinDelay is null");
            requireNonNull(reconnectMaxDelay, "reconnectMaxDelay is null");
            requireNonNull(probeInterval, "probeInterval is null");
            requireNonNull(pingInterval, "pingInterval is null");
        }

        /** The back-off delay before attempt {@code attempt} (0 for the first retry), with jitter. */
        public Duration backOff(int attempt) {
            long ceiling = reconnectMaxDelay.toMillis();
            long exponential = Math.min(ceiling, reconnectMinDelay.toMillis() << Math.min(attempt, 30));
            long half = exponential / 2;
            return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
        }

        @Override
        public String toString() {
            return "Connection[mode=" + mode + ", addresses=" + addresses + ", masterName=" + masterName
                    + ", username=" + username + ", password=" + (password.isEmpty() ? "" : "******")
                    + ", sentinelUsername=" + sentinelUsername
                    + ", sentinelPassword=" + (sentinelPassword.isEmpty() ? "" : "******")
                    + ", database=" + database + ", connectTimeout=" + connectTimeout + ", timeout=" + timeout
                    + ", reconnect=" + reconnectMinDelay + ".." + reconnectMaxDelay + ", probeInterval=" + probeInterval
                    + ", pingInterval=" + pingInterval + ", connections=" + connections
                    + ", subscriptionConnections=" + subscriptionConnections
                    + ", subscriptionsPerConnection=" + subscriptionsPerConnection
                    + ", ioThreads=" + ioThreads + ", listenerThreads=" + listenerThreads + "]";
        }
    }

    /**
     * @param ttl how long a member lives without a refresh
     * @param refreshInterval how often an instance refreshes its own members
     */
    public record Presence(Duration ttl, Duration refreshInterval) {
        public Presence {
            requireNonNull(ttl, "ttl is null");
            requireNonNull(refreshInterval, "refreshInterval is null");
        }
    }

    /**
     * How events reach the listeners: through {@code lanes} bounded queues, each drained by its own
     * thread; a channel's events always take the same lane.
     *
     * @param lanes the number of lanes (threads), at least 1
     * @param queueSize events a lane holds at most
     * @param queueBytes payload bytes a lane holds at most
     * @param overflow what a full lane drops
     */
    public record Delivery(int lanes, int queueSize, long queueBytes, Overflow overflow) {
        public Delivery {
            if (lanes < 1 || queueSize < 1 || queueBytes < 1) {
                throw new IllegalArgumentException("delivery lanes and limits must be positive");
            }
            requireNonNull(overflow, "overflow is null");
        }
    }

    /** What a full delivery lane drops to make room. */
    public enum Overflow {
        /** The lane's oldest event: listeners get the newest. */
        DROP_OLDEST,
        /** The event that does not fit: listeners get the oldest. */
        DROP_NEWEST
    }

    /** The rule for a channel, or {@code null} when it keeps no history. */
    public HistoryRule historyRuleFor(String channel) {
        return HistoryRule.forChannel(history, channel).orElse(null);
    }

    /** How long a stream under {@code rule} outlives its last event. */
    public Duration streamExpiry(HistoryRule rule) {
        return rule.ttl().compareTo(historyIdleExpiry) > 0 ? rule.ttl() : historyIdleExpiry;
    }

    /**
     * Reads and validates the bridge's block.
     *
     * @throws InvalidConfigException naming the key of the first bad value
     */
    public static RedisBridgeSettings read(PluginConfig config) {
        return new RedisBridgeSettings(
                readConnection(config),
                config.getString("channel-prefix"),
                config.getString("key-prefix"),
                HistoryRule.readAll(config, "history"),
                positive(config, "history-idle-expiry"),
                readPresence(config),
                readDelivery(config));
    }

    private static Connection readConnection(PluginConfig config) {
        Mode mode = switch (config.getString("mode").toLowerCase(Locale.ROOT)) {
            case "single" -> Mode.SINGLE;
            case "sentinel" -> Mode.SENTINEL;
            case "cluster" -> Mode.CLUSTER;
            default -> throw config.error("mode", "must be single, sentinel or cluster");
        };
        List<String> addresses;
        String masterName = config.getString("master-name");
        int database = config.getInt("database");
        if (database < 0) {
            throw config.error("database", "must not be negative");
        }
        if (mode == Mode.SINGLE) {
            addresses = List.of(redisAddress(config, "address", config.getString("address")));
        }
        else {
            List<String> written = config.getStringList("addresses");
            if (written.isEmpty()) {
                throw config.error("addresses", "must list at least one " + (mode == Mode.SENTINEL ? "sentinel" : "cluster node")
                        + " address for mode = " + mode.name().toLowerCase(Locale.ROOT));
            }
            List<String> checked = new ArrayList<>();
            for (String address : written) {
                checked.add(redisAddress(config, "addresses", address));
            }
            addresses = checked;
            if (mode == Mode.SENTINEL && masterName.isBlank()) {
                throw config.error("master-name", "must name the master for mode = sentinel");
            }
            if (mode == Mode.CLUSTER && database != 0) {
                throw config.error("database", "must be 0 for mode = cluster (a cluster has only database 0)");
            }
        }
        Duration reconnectMin = positive(config, "reconnect.min-delay");
        Duration reconnectMax = positive(config, "reconnect.max-delay");
        if (reconnectMax.compareTo(reconnectMin) < 0) {
            throw config.error("reconnect.max-delay", "must not be less than reconnect.min-delay (" + text(reconnectMin) + ")");
        }
        Duration pingInterval = config.getDuration("ping-interval");
        if (pingInterval.isNegative() || pingInterval.compareTo(MAX_TIMEOUT) > 0) {
            throw config.error("ping-interval", "must be between 0s (disabled) and 1h");
        }
        return new Connection(mode, addresses, masterName,
                config.getString("username"), config.getString("password"),
                config.getString("sentinel-username"), config.getString("sentinel-password"),
                database,
                timeout(config, "connect-timeout"),
                timeout(config, "timeout"),
                reconnectMin,
                reconnectMax,
                positive(config, "probe-interval"),
                pingInterval,
                range(config, "connections", 1, 1000),
                range(config, "subscription-connections", 1, 1000),
                range(config, "subscriptions-per-connection", 1, 100_000),
                range(config, "io-threads", 1, 256),
                range(config, "listener-threads", 1, 256));
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
        return address;
    }

    private static Presence readPresence(PluginConfig config) {
        Duration ttl = positive(config, "presence.ttl");
        Duration refresh = positive(config, "presence.refresh-interval");
        if (refresh.compareTo(ttl) >= 0) {
            throw config.error("presence.refresh-interval", "must be less than presence.ttl (" + text(ttl) + "), or members expire between refreshes");
        }
        return new Presence(ttl, refresh);
    }

    private static Delivery readDelivery(PluginConfig config) {
        int lanes = range(config, "delivery.lanes", 0, 256);
        int queueSize = range(config, "delivery.queue-size", 1, 10_000_000);
        long queueBytes = config.getBytes("delivery.queue-bytes");
        if (queueBytes < 1024 || queueBytes > MAX_LANE_BYTES) {
            throw config.error("delivery.queue-bytes", "must be between 1KiB and 16GiB");
        }
        Overflow overflow = switch (config.getString("delivery.overflow").toLowerCase(Locale.ROOT)) {
            case "drop-oldest" -> Overflow.DROP_OLDEST;
            case "drop-newest" -> Overflow.DROP_NEWEST;
            default -> throw config.error("delivery.overflow", "must be drop-oldest or drop-newest");
        };
        return new Delivery(lanes == 0 ? Runtime.getRuntime().availableProcessors() : lanes, queueSize, queueBytes, overflow);
    }

    /** A duration as configuration writes it: {@code 30s}, {@code 250ms}. */
    private static String text(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
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

    private static Duration timeout(PluginConfig config, String key) {
        Duration value = positive(config, key);
        if (value.compareTo(MAX_TIMEOUT) > 0) {
            throw config.error(key, "must be at most 1h");
        }
        return value;
    }

    private static int range(PluginConfig config, String key, int min, int max) {
        int value = config.getInt(key);
        if (value < min || value > max) {
            throw config.error(key, "must be between " + min + " and " + max);
        }
        return value;
    }
}
