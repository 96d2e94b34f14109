package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.event.ChannelGlob;

import static java.util.Objects.requireNonNull;

/**
 * Maps the gateway's channel names to Redis channels and keys, both ways: the hub channel
 * {@code c} is the Redis channel {@code <channel-prefix>c}; its history stream is the key
 * {@code <key-prefix>history:<channel-prefix>c} and its presence hash
 * {@code <key-prefix>presence:<channel-prefix>c}. Immutable.
 */
public final class ChannelNames {
    private final String channelPrefix;
    private final String keyPrefix;
    private final String patternPrefix;

    public ChannelNames(String channelPrefix, String keyPrefix) {
        this.channelPrefix = requireNonNull(channelPrefix, "channelPrefix is null");
        this.keyPrefix = requireNonNull(keyPrefix, "keyPrefix is null");
        this.patternPrefix = ChannelGlob.escape(channelPrefix);
    }

    /** The Redis channel of a gateway channel. */
    public String redisChannel(String channel) {
        return channelPrefix + channel;
    }

    /** The Redis pattern of a gateway pattern: the prefix, escaped, then the pattern. */
    public String redisPattern(String pattern) {
        return patternPrefix + pattern;
    }

    /**
     * The gateway channel of a Redis channel, or {@code null} when it lacks the prefix (it cannot
     * have come from a subscription of this bridge).
     */
    public String channelOf(String redisChannel) {
        return redisChannel.startsWith(channelPrefix) ? redisChannel.substring(channelPrefix.length()) : null;
    }

    /** The key of a channel's history stream. */
    public String streamKey(String channel) {
        return keyPrefix + "history:" + redisChannel(channel);
    }

    /** The key of a channel's presence hash. */
    public String presenceKey(String channel) {
        return keyPrefix + "presence:" + redisChannel(channel);
    }
}
