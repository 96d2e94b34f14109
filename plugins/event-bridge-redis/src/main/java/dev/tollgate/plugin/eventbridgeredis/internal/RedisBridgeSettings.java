package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.event.HistoryRule;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;

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
 * @param redis how to reach Redis: the {@code gateway.redis} connection the block names, or the
 *        deprecated connection keys written in it ({@link RedisConnectionSelector})
 * @param client the shape of the bridge's Redisson client
 * @param channelPrefix prepended to every channel to form its Redis channel
 * @param keyPrefix prepended to the keys of history streams and presence hashes
 * @param history channels that keep history, first match wins
 * @param historyIdleExpiry how long a stream outlives its last event
 * @param presence presence expiry and refresh
 * @param delivery the lanes that call the event listeners
 */
public record RedisBridgeSettings(
        RedisSettings redis,
        Client client,
        String channelPrefix,
        String keyPrefix,
        List<HistoryRule> history,
        Duration historyIdleExpiry,
        Presence presence,
        Delivery delivery) {

    private static final long MAX_LANE_BYTES = 16L << 30;
    /**
     * How the Redis channels that others use internally start: discovery-redis's changes channels
     * (its default key-prefix), Redis' keyspace notifications, Redisson's locks and services.
     */
    private static final List<String> INTERNAL_CHANNELS = List.of("tollgate:services:", "__keyspace@", "__keyevent@", "redisson");

    public RedisBridgeSettings {
        requireNonNull(redis, "redis is null");
        requireNonNull(client, "client is null");
        requireNonNull(channelPrefix, "channelPrefix is null");
        requireNonNull(keyPrefix, "keyPrefix is null");
        history = List.copyOf(history);
        requireNonNull(historyIdleExpiry, "historyIdleExpiry is null");
        requireNonNull(presence, "presence is null");
        requireNonNull(delivery, "delivery is null");
    }

    /**
     * The bridge's own use of its Redis connection: how it watches it and how big its client is.
     *
     * @param probeInterval how often the bridge checks that Redis answers
     * @param connections command connections, all kept open
     * @param subscriptionConnections pub/sub connections
     * @param subscriptionsPerConnection channels and patterns sharing one pub/sub connection
     * @param ioThreads Netty's threads
     * @param listenerThreads Redisson's listener threads, which only hand events to the lanes
     */
    public record Client(
            Duration probeInterval,
            int connections,
            int subscriptionConnections,
            int subscriptionsPerConnection,
            int ioThreads,
            int listenerThreads) {

        public Client {
            requireNonNull(probeInterval, "probeInterval is null");
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

    /**
     * The delay before retry {@code attempt} (0 for the first) of the first connection or of a
     * subscription: the connection's reconnection back-off, doubling from its first delay to its
     * longest, with jitter.
     */
    public Duration backOff(int attempt) {
        long ceiling = redis.reconnect().maxDelay().toMillis();
        long exponential = Math.min(ceiling, redis.reconnect().minDelay().toMillis() << Math.min(attempt, 30));
        long half = exponential / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** Where the connection starts from: the server (single mode), else the Sentinels or nodes. */
    public List<String> addresses() {
        return redis.mode() == RedisSettings.Mode.SINGLE ? List.of(redis.address()) : redis.addresses();
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
     * Reads and validates the bridge's block; the Redis connection it names comes from
     * {@code context}.
     *
     * @throws InvalidConfigException naming the key of the first bad value
     */
    public static RedisBridgeSettings read(PluginConfig config, PluginContext context) {
        return new RedisBridgeSettings(
                RedisConnectionSelector.select(config, context, DeprecatedConnectionKeys.KEYS),
                readClient(config),
                channelPrefix(config),
                config.getString("key-prefix"),
                HistoryRule.readAll(config, "history"),
                positive(config, "history-idle-expiry"),
                readPresence(config),
                readDelivery(config));
    }

    /**
     * The channel prefix, which must keep the bus's channels apart from the Redis channels that
     * others use internally ({@link #INTERNAL_CHANNELS}): neither may start with the other.
     * {@code ""} is the exception, allowed for backends that still publish to unprefixed channels;
     * the bridge warns about it when it starts.
     */
    private static String channelPrefix(PluginConfig config) {
        String channelPrefix = config.getString("channel-prefix");
        if (channelPrefix.isEmpty()) {
            return channelPrefix;
        }
        for (String internal : INTERNAL_CHANNELS) {
            if (internal.startsWith(channelPrefix) || channelPrefix.startsWith(internal)) {
                throw config.error("channel-prefix", "'" + channelPrefix + "' would make Redis channels starting with '" + internal
                        + "', which are not the event bus's, channels clients may subscribe to (keep it apart from "
                        + String.join(", ", INTERNAL_CHANNELS) + "); the default is \"tollgate:events:\"");
            }
        }
        return channelPrefix;
    }

    private static Client readClient(PluginConfig config) {
        return new Client(
                positive(config, "probe-interval"),
                range(config, "connections", 1, 1000),
                range(config, "subscription-connections", 1, 1000),
                range(config, "subscriptions-per-connection", 1, 100_000),
                range(config, "io-threads", 1, 256),
                range(config, "listener-threads", 1, 256));
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

    private static int range(PluginConfig config, String key, int min, int max) {
        int value = config.getInt(key);
        if (value < min || value > max) {
            throw config.error(key, "must be between " + min + " and " + max);
        }
        return value;
    }
}
