package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.event.Event;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The message published for an event of a history channel, so that its offset travels with it:
 * a NUL byte, {@code tollgate:}, the offset (the stream id, {@code <ms>-<seq>}), a NUL byte, then
 * the payload as published. {@code publish.lua} writes it; {@link #decode} turns it back into the
 * event with its offset. Anything else is a plain payload (a backend's {@code PUBLISH}), delivered
 * as it is, without an offset. JSON and text never start with a NUL byte.
 */
public final class HistoryEnvelope {
    /** What every envelope starts with. */
    static final byte[] MAGIC = "\0tollgate:".getBytes(StandardCharsets.US_ASCII);
    /** Longest offset: two 20-digit numbers and the dash. */
    private static final int MAX_OFFSET_LENGTH = 41;

    private HistoryEnvelope() {
    }

    /** {@code message} received on {@code channel}, as an event (with its offset when it is an envelope). */
    public static Event decode(String channel, byte[] message) {
        int offsetEnd = offsetEnd(message);
        if (offsetEnd < 0) {
            return Event.of(channel, ByteBuffer.wrap(message));
        }
        String offset = new String(message, MAGIC.length, offsetEnd - MAGIC.length, StandardCharsets.US_ASCII);
        return Event.of(channel, ByteBuffer.wrap(message, offsetEnd + 1, message.length - offsetEnd - 1)).withOffset(offset);
    }

    /** The index of the NUL that ends a well-formed offset, or -1 when this is no envelope. */
    private static int offsetEnd(byte[] message) {
        if (message.length < MAGIC.length + 4) {
            return -1;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (message[i] != MAGIC[i]) {
                return -1;
            }
        }
        int digitsBeforeDash = 0;
        int digitsAfterDash = 0;
        boolean dash = false;
        int limit = Math.min(message.length, MAGIC.length + MAX_OFFSET_LENGTH + 1);
        for (int i = MAGIC.length; i < limit; i++) {
            byte b = message[i];
            if (b == 0) {
                return dash && digitsBeforeDash > 0 && digitsAfterDash > 0 ? i : -1;
            }
            if (b == '-' && !dash) {
                dash = true;
            }
            else if (b >= '0' && b <= '9') {
                if (dash) {
                    digitsAfterDash++;
                }
                else {
                    digitsBeforeDash++;
                }
            }
            else {
                return -1;
            }
        }
        return -1;
    }
}
