package dev.tollgate.api.event;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static java.util.Objects.requireNonNull;

/**
 * A message on a channel of the {@link EventBus}: the channel it was published to and its
 * payload, passed through as published (JSON text or bytes).
 *
 * <p>Immutable; the payload is read-only and shared by every listener.
 */
public final class Event {
    private final String channel;
    private final ByteBuffer payload;
    private final String offset;

    private Event(String channel, ByteBuffer payload, String offset) {
        this.channel = requireNonNull(channel, "channel is null");
        this.payload = requireNonNull(payload, "payload is null").asReadOnlyBuffer();
        this.offset = offset;
    }

    /** An event; the buffer's remaining bytes are the payload and must not change afterwards. */
    public static Event of(String channel, ByteBuffer payload) {
        return new Event(channel, payload.slice(), null);
    }

    /** An event with a UTF-8 text payload. */
    public static Event of(String channel, String text) {
        return new Event(channel, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), null);
    }

    /** The same event with its position in the channel's history. */
    public Event withOffset(String offset) {
        return new Event(channel, payload, requireNonNull(offset, "offset is null"));
    }

    public String channel() {
        return channel;
    }

    /** A new read-only view of the payload, positioned at its start. */
    public ByteBuffer payload() {
        return payload.duplicate();
    }

    /** The payload decoded as UTF-8. */
    public String payloadAsText() {
        return StandardCharsets.UTF_8.decode(payload()).toString();
    }

    /**
     * The event's position in its channel's history, for recovery after a reconnect; {@code null}
     * when the channel keeps no history.
     */
    public String offset() {
        return offset;
    }

    /**
     * Orders two offsets of one channel. Offsets have the form {@code <major>-<minor>} of two
     * non-negative numbers (Redis stream ids; the in-memory bus uses the same form).
     *
     * @throws IllegalArgumentException when either is not of that form
     */
    public static int compareOffsets(String a, String b) {
        long[] left = parseOffset(a);
        long[] right = parseOffset(b);
        int result = Long.compare(left[0], right[0]);
        return result != 0 ? result : Long.compare(left[1], right[1]);
    }

    private static long[] parseOffset(String offset) {
        int dash = offset == null ? -1 : offset.indexOf('-');
        if (dash <= 0 || dash == offset.length() - 1) {
            throw new IllegalArgumentException("not an offset: " + offset);
        }
        try {
            return new long[] {Long.parseLong(offset.substring(0, dash)), Long.parseLong(offset.substring(dash + 1))};
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an offset: " + offset, e);
        }
    }

    @Override
    public String toString() {
        return "Event[" + channel + ", " + payload.remaining() + " bytes" + (offset == null ? "" : ", offset " + offset) + "]";
    }
}
