package dev.tollgate.plugin.websockethub.internal;

/**
 * The rules for channel names the hub accepts from clients and configuration, and the names it
 * reserves for itself.
 */
final class ChannelNames {
    /**
     * Prefix of the bus channels that carry a channel's join and leave events between instances:
     * {@code $presence:collaboration:42}. Clients can neither subscribe nor publish to them.
     */
    static final String PRESENCE_EVENTS_PREFIX = "$presence:";

    private ChannelNames() {
    }

    /**
     * What is wrong with a channel name, or null when it is acceptable: 1 to {@code maxLength}
     * characters, no control characters, not reserved by the hub.
     */
    static String problem(String channel, int maxLength) {
        if (channel.isEmpty()) {
            return "a channel name must not be empty";
        }
        if (channel.length() > maxLength) {
            return "a channel name must not be longer than " + maxLength + " characters";
        }
        for (int i = 0; i < channel.length(); i++) {
            char c = channel.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "a channel name must not contain control characters";
            }
        }
        if (channel.startsWith(PRESENCE_EVENTS_PREFIX)) {
            return "channels starting with " + PRESENCE_EVENTS_PREFIX + " are reserved by the hub";
        }
        return null;
    }

    /** The bus channel carrying the join and leave events of {@code channel}. */
    static String presenceEvents(String channel) {
        return PRESENCE_EVENTS_PREFIX + channel;
    }
}
