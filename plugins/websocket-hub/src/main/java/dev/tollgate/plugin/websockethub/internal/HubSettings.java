package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.PluginConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * The plugin-wide settings ({@code gateway.plugins.websocket-hub}), shared by every hub route of
 * the gateway: limits of the instance, channel policies and permissions. Read once, when the
 * first hub endpoint is created.
 *
 * @param maxConnections hub connections this instance accepts over all routes
 * @param maxConnectionsPerUser connections of one user on this instance; 0 for no limit
 * @param queueBudget bytes of heap set aside for the outgoing queues of all connections: what
 *        their queues hold together, counted in whole reservations
 * @param queueReservation bytes of the budget each connection reserves while it is open (or its
 *        route's {@code max-queued-bytes}, when smaller), and the step in which its queue takes
 *        more while it holds more
 * @param broadcastChannel the channel every connection is subscribed to, or empty
 * @param userChannelPrefix prefix of per-user channels, whose messages arrive as notifications;
 *        empty for none
 * @param maxChannelLength the longest channel name accepted
 * @param channelPolicies how each channel is delivered
 * @param permissions who may subscribe, publish and see presence on which channel, and which
 *        channels are reserved for the gateway whatever the rules say
 * @param fanOut how an event is spread over the subscribers
 */
record HubSettings(
        int maxConnections,
        int maxConnectionsPerUser,
        long queueBudget,
        long queueReservation,
        Optional<String> broadcastChannel,
        String userChannelPrefix,
        int maxChannelLength,
        ChannelPolicies channelPolicies,
        Permissions permissions,
        FanOut fanOut) {

    private static final Set<String> POLICY_KEYS = Set.of("binary", "presence", "slow-consumer", "close-code");
    private static final Set<String> PERMISSION_KEYS = Set.of("channels", "roles", "anonymous", "subscribe", "publish", "presence");

    HubSettings {
        if (queueReservation < 1 || queueReservation > queueBudget) {
            throw new IllegalArgumentException("the queue reservation must be positive and within the budget");
        }
        requireNonNull(broadcastChannel, "broadcastChannel is null");
        requireNonNull(userChannelPrefix, "userChannelPrefix is null");
        requireNonNull(channelPolicies, "channelPolicies is null");
        requireNonNull(permissions, "permissions is null");
        requireNonNull(fanOut, "fanOut is null");
    }

    /**
     * How an event of a channel reaches its subscribers ({@link FanOutLanes}).
     *
     * @param lanes fan-out threads, each with its bounded queue; at least 1
     * @param chunkSize subscribers of a channel per chunk; each chunk is one task on one lane
     * @param queueMessages messages (an event for one subscriber) a lane's tasks hold at most
     * @param queueBytes bytes of messages a lane's tasks hold at most (a message counts once per task)
     * @param inlineLimit a channel with at most this many local subscribers is sent to on the thread
     *        that delivers the event, without a lane; 0 sends every channel through the lanes
     */
    record FanOut(int lanes, int chunkSize, int queueMessages, long queueBytes, int inlineLimit) {
        FanOut {
            if (lanes < 1 || chunkSize < 1 || queueMessages < 1 || queueBytes < 1 || inlineLimit < 0) {
                throw new IllegalArgumentException("fan-out settings out of range");
            }
        }
    }

    /**
     * Reads and checks the settings.
     *
     * @throws dev.tollgate.api.InvalidConfigException naming the key of a bad value
     */
    static HubSettings from(PluginConfig config) {
        int maxConnections = config.getInt("max-connections");
        if (maxConnections < 1) {
            throw config.error("max-connections", "must be at least 1");
        }
        int maxConnectionsPerUser = config.getInt("max-connections-per-user");
        if (maxConnectionsPerUser < 0) {
            throw config.error("max-connections-per-user", "must be 0 (no limit) or more");
        }
        long queueBudget = config.getBytes("queue-budget");
        if (queueBudget < 1) {
            throw config.error("queue-budget", "must be positive");
        }
        long queueReservation = config.getBytes("queue-reservation");
        if (queueReservation < 1 || queueReservation > queueBudget) {
            throw config.error("queue-reservation", "must be positive and at most queue-budget (" + queueBudget + " bytes)");
        }
        int maxChannelLength = config.getInt("max-channel-length");
        if (maxChannelLength < 1 || maxChannelLength > 4096) {
            throw config.error("max-channel-length", "must be between 1 and 4096");
        }
        ReservedChannels reserved = reservedChannels(config);
        String broadcast = config.getString("broadcast-channel");
        if (!broadcast.isEmpty()) {
            String problem = ChannelNames.problem(broadcast, maxChannelLength);
            if (problem == null) {
                problem = reserved.reason(broadcast);
            }
            if (problem != null) {
                throw config.error("broadcast-channel", problem);
            }
        }
        String userChannelPrefix = config.getString("user-channel-prefix");
        ChannelPolicy defaults = policy(config.getConfig("channel-defaults"), null);
        List<ChannelPolicies.Entry> policies = new ArrayList<>();
        for (PluginConfig entry : config.getConfigList("channels")) {
            checkKeys(entry, union(POLICY_KEYS, Set.of("channels")));
            policies.add(new ChannelPolicies.Entry(pattern(entry, false), policy(entry, defaults)));
        }
        List<Permissions.Rule> rules = new ArrayList<>();
        for (PluginConfig entry : config.getConfigList("permissions")) {
            checkKeys(entry, PERMISSION_KEYS);
            rules.add(rule(entry));
        }
        return new HubSettings(maxConnections, maxConnectionsPerUser, queueBudget, queueReservation,
                broadcast.isEmpty() ? Optional.empty() : Optional.of(broadcast), userChannelPrefix, maxChannelLength,
                new ChannelPolicies(policies, defaults), new Permissions(rules, reserved), fanOut(config));
    }

    private static ReservedChannels reservedChannels(PluginConfig config) {
        List<ChannelPattern> patterns = new ArrayList<>();
        for (String text : config.getStringList("reserved-channels")) {
            try {
                patterns.add(ChannelPattern.compile(text, false));
            }
            catch (IllegalArgumentException e) {
                throw config.error("reserved-channels", e.getMessage());
            }
        }
        return new ReservedChannels(patterns);
    }

    private static FanOut fanOut(PluginConfig config) {
        int lanes = range(config, "fan-out.lanes", 0, 256);
        int chunkSize = range(config, "fan-out.chunk-size", 1, 1_000_000);
        int queueMessages = range(config, "fan-out.queue-messages", 1, 100_000_000);
        long queueBytes = config.getBytes("fan-out.queue-bytes");
        if (queueBytes < 1024 || queueBytes > 16L << 30) {
            throw config.error("fan-out.queue-bytes", "must be between 1KiB and 16GiB");
        }
        int inlineLimit = range(config, "fan-out.inline-limit", 0, 1_000_000);
        return new FanOut(lanes == 0 ? Runtime.getRuntime().availableProcessors() : lanes, chunkSize, queueMessages, queueBytes, inlineLimit);
    }

    private static int range(PluginConfig config, String key, int min, int max) {
        int value = config.getInt(key);
        if (value < min || value > max) {
            throw config.error(key, "must be between " + min + " and " + max);
        }
        return value;
    }

    /** A policy block; keys it does not set come from {@code defaults} (null: every key is required). */
    private static ChannelPolicy policy(PluginConfig block, ChannelPolicy defaults) {
        boolean binary = defaults == null || block.has("binary") ? block.getBoolean("binary") : defaults.binary();
        boolean presence = defaults == null || block.has("presence") ? block.getBoolean("presence") : defaults.presence();
        ChannelPolicy.SlowConsumer slowConsumer = defaults == null || block.has("slow-consumer")
                ? slowConsumer(block) : defaults.slowConsumer();
        int closeCode = defaults == null || block.has("close-code") ? block.getInt("close-code") : defaults.closeCode();
        if (!ChannelPolicy.isAllowedCloseCode(closeCode)) {
            throw block.error("close-code", "must be 1013 (try again later), 1008 (policy violation) or 4000-4999");
        }
        return new ChannelPolicy(binary, presence, slowConsumer, closeCode);
    }

    private static ChannelPolicy.SlowConsumer slowConsumer(PluginConfig block) {
        String name = block.getString("slow-consumer");
        ChannelPolicy.SlowConsumer value = ChannelPolicy.SlowConsumer.fromConfigName(name);
        if (value == null) {
            throw block.error("slow-consumer", "must be close or drop-oldest, got '" + name + "'");
        }
        return value;
    }

    private static Permissions.Rule rule(PluginConfig entry) {
        ChannelPattern channels = pattern(entry, true);
        List<String> roles = entry.has("roles") ? entry.getStringList("roles") : List.of();
        boolean anonymous = flag(entry, "anonymous");
        if (anonymous && !roles.isEmpty()) {
            throw entry.error("anonymous", "anonymous connections have no roles: a rule cannot both list roles and admit them");
        }
        if (anonymous && channels.hasUser()) {
            throw entry.error("anonymous", "anonymous connections have no user: a rule with {user} cannot admit them");
        }
        return new Permissions.Rule(channels, new HashSet<>(roles), anonymous,
                new Permissions.Rights(flag(entry, "subscribe"), flag(entry, "publish"), flag(entry, "presence")));
    }

    private static boolean flag(PluginConfig entry, String key) {
        return entry.has(key) && entry.getBoolean(key);
    }

    private static ChannelPattern pattern(PluginConfig entry, boolean allowUser) {
        try {
            return ChannelPattern.compile(entry.getString("channels"), allowUser);
        }
        catch (IllegalArgumentException e) {
            throw entry.error("channels", e.getMessage());
        }
    }

    /** Refuses keys of a list entry that are not known (the reference cannot describe list entries). */
    private static void checkKeys(PluginConfig entry, Set<String> known) {
        for (String key : entry.keys()) {
            if (!known.contains(key)) {
                throw entry.error(key, "unknown setting (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> union = new HashSet<>(a);
        union.addAll(b);
        return union;
    }
}
