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

    @Override
    public String toString() {
        return "Event[" + channel + ", " + payload.remaining() + " bytes" + (offset == null ? "" : ", offset " + offset) + "]";
    }
}
