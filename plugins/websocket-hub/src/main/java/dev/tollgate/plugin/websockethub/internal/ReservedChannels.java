package dev.tollgate.plugin.websockethub.internal;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Channels that belong to the gateway or to Redis, not to clients: no client may subscribe,
 * publish or ask for presence on them, whatever the permissions grant, and no route subscribes
 * to them.
 *
 * <ul>
 *   <li>{@value #GATEWAY_PREFIX}…: the gateway's own namespace. Tollgate's components keep what
 *       they share through the bus and Redis under it: discovery-redis announces instance changes
 *       on {@code tollgate:services:<service>:changes} (its {@code key-prefix}), the Redis bridge
 *       keeps history and presence under {@code tollgate:} (its {@code key-prefix}). With the
 *       bridge, a hub channel is the Redis channel of the same name (after the bridge's
 *       {@code channel-prefix}, which may be empty), so without this a client allowed {@code *}
 *       could listen to the gateway's internal traffic.</li>
 *   <li>{@value #REDIS_PREFIX}…: Redis's own channels (keyspace and keyevent notifications
 *       {@code __keyspace@0__:…}, {@code __redis__:invalidate}, Sentinel's
 *       {@code __sentinel__:hello}), which would reveal the keys of everything stored there.</li>
 *   <li>the patterns of {@code reserved-channels}, for internal channels of one's own (or the
 *       prefixes of components whose key prefix was changed from {@code tollgate:}).</li>
 * </ul>
 *
 * <p>The hub's own {@code $presence:} channels are not client channels either; being no valid
 * channel name for a client at all, they are refused as {@code BAD_MESSAGE} by {@link ChannelNames}.
 *
 * <p>Immutable and thread-safe.
 */
final class ReservedChannels {
    /** The gateway's own namespace on the bus and in Redis. */
    static final String GATEWAY_PREFIX = "tollgate:";
    /** Redis's own channels. */
    static final String REDIS_PREFIX = "__";

    private final List<ChannelPattern> configured;

    /** @param configured patterns reserved besides the gateway's and Redis's prefixes ({@code reserved-channels}) */
    ReservedChannels(List<ChannelPattern> configured) {
        this.configured = List.copyOf(requireNonNull(configured, "configured is null"));
        for (ChannelPattern pattern : configured) {
            if (pattern.hasUser()) {
                throw new IllegalArgumentException("a reserved channel pattern cannot have {user}: " + pattern);
            }
        }
    }

    /** Why a client may not use {@code channel}, or null when it is not reserved. */
    String reason(String channel) {
        if (channel.startsWith(GATEWAY_PREFIX)) {
            return "channels starting with " + GATEWAY_PREFIX + " are reserved for the gateway";
        }
        if (channel.startsWith(REDIS_PREFIX)) {
            return "channels starting with " + REDIS_PREFIX + " are reserved for Redis";
        }
        for (ChannelPattern pattern : configured) {
            if (pattern.matchesAnyUser(channel)) {
                return "channel " + channel + " is reserved (reserved-channels: " + pattern + ")";
            }
        }
        return null;
    }

    boolean isReserved(String channel) {
        return reason(channel) != null;
    }
}
