package dev.tollgate.plugin.websockethub.internal;

import static java.util.Objects.requireNonNull;

/**
 * How the hub treats one channel.
 *
 * @param binary deliver events as binary frames holding the payload as published, without the
 *        JSON envelope (high-frequency data such as simulation frames)
 * @param presence subscribers join the channel's presence (visible to presence queries and to
 *        clients watching join and leave events)
 * @param slowConsumer what happens to a subscriber whose outgoing queue is full when a message of
 *        this channel arrives
 * @param closeCode the close code used by {@link SlowConsumer#CLOSE}: 1013 (try again later),
 *        1008 (policy violation) or an application code 4000–4999
 */
record ChannelPolicy(boolean binary, boolean presence, SlowConsumer slowConsumer, int closeCode) {

    ChannelPolicy {
        requireNonNull(slowConsumer, "slowConsumer is null");
        if (!isAllowedCloseCode(closeCode)) {
            throw new IllegalArgumentException("close code must be 1008, 1013 or 4000-4999, got " + closeCode);
        }
    }

    static boolean isAllowedCloseCode(int code) {
        return code == 1008 || code == 1013 || (code >= 4000 && code <= 4999);
    }

    /** What to do with a subscriber that does not keep up. */
    enum SlowConsumer {
        /** Evict the oldest queued messages to make room; the connection stays open. */
        DROP_OLDEST("drop-oldest"),
        /** Close the connection with the policy's close code after what is queued. */
        CLOSE("close");

        private final String configName;

        SlowConsumer(String configName) {
            this.configName = configName;
        }

        /** The name used in configuration. */
        String configName() {
            return configName;
        }

        /** The policy of that configuration name, or null. */
        static SlowConsumer fromConfigName(String name) {
            for (SlowConsumer value : values()) {
                if (value.configName.equals(name)) {
                    return value;
                }
            }
            return null;
        }
    }
}
