package dev.tollgate.api.event;

import static java.util.Objects.requireNonNull;

/**
 * History of a channel does not reach back to the requested offset (it was trimmed, expired, or
 * the channel keeps no history): the subscriber missed events that cannot be recovered.
 */
public final class HistoryGapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String channel;

    public HistoryGapException(String channel, String message) {
        super(requireNonNull(message, "message is null"));
        this.channel = requireNonNull(channel, "channel is null");
    }

    public String channel() {
        return channel;
    }
}
