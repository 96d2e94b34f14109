package dev.tollgate.api.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static java.util.Objects.requireNonNull;

/**
 * A message ready to send: encoded once, then sent to any number of sessions without being
 * copied. That is what makes fan-out cheap: a hub serialises a channel message once and hands
 * the same {@code WebSocketMessage} to every subscriber.
 *
 * <p>Immutable; the payload is never modified after construction.
 */
public final class WebSocketMessage {
    private final boolean text;
    private final ByteBuffer payload;

    private WebSocketMessage(boolean text, ByteBuffer payload) {
        this.text = text;
        this.payload = payload.asReadOnlyBuffer();
    }

    /** A text message, encoded as UTF-8 now. */
    public static WebSocketMessage text(String text) {
        return new WebSocketMessage(true, ByteBuffer.wrap(requireNonNull(text, "text is null").getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A text message from bytes that are already UTF-8. The buffer's remaining bytes are used;
     * the caller must not change them afterwards.
     */
    public static WebSocketMessage utf8Text(ByteBuffer utf8) {
        return new WebSocketMessage(true, requireNonNull(utf8, "utf8 is null").slice());
    }

    /** A binary message of the buffer's remaining bytes; the caller must not change them afterwards. */
    public static WebSocketMessage binary(ByteBuffer data) {
        return new WebSocketMessage(false, requireNonNull(data, "data is null").slice());
    }

    public boolean isText() {
        return text;
    }

    /** A new read-only view of the payload, positioned at its start. */
    public ByteBuffer payload() {
        return payload.duplicate();
    }

    /** Payload size in bytes. */
    public int size() {
        return payload.remaining();
    }

    /** The payload decoded as UTF-8 (for text messages). */
    public String asText() {
        return StandardCharsets.UTF_8.decode(payload()).toString();
    }

    @Override
    public String toString() {
        return (text ? "text" : "binary") + "[" + size() + " bytes]";
    }
}
