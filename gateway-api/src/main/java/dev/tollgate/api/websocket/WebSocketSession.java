package dev.tollgate.api.websocket;

import dev.tollgate.api.http.Exchange;

/**
 * One accepted WebSocket connection.
 *
 * <h2>Sending</h2>
 * {@link #send} never blocks and never waits for the network: it puts the message on the
 * session's outgoing queue, which the runtime writes out in order. The queue is bounded in
 * bytes and frames ({@link WebSocketSettings}); when a message does not fit, the
 * {@link Overflow} policy of the call decides. A slow client therefore costs at most its queue,
 * and never slows a caller fanning a message out to many sessions.
 *
 * <p>All methods are thread-safe.
 */
public interface WebSocketSession {

    /** Unique within this gateway process. */
    String id();

    /**
     * The exchange that was upgraded: its request, route, path parameters, principal and
     * attributes stay readable for the life of the session. Its response must not be used.
     */
    Exchange exchange();

    /**
     * Queues a message.
     *
     * @return whether the message was queued; {@code false} when the session is closed, or the
     *         queue is full and {@code overflow} is {@link Overflow#REJECT}
     */
    boolean send(WebSocketMessage message, Overflow overflow);

    /** Queues a message, rejecting it when the queue is full. */
    default boolean send(WebSocketMessage message) {
        return send(message, Overflow.REJECT);
    }

    /** Bytes queued and not yet written. */
    long queuedBytes();

    /** Messages queued and not yet written. */
    int queuedMessages();

    /**
     * Starts the closing handshake with {@code code} (RFC 6455 §7.4, e.g. 1000, 1001, 1008,
     * 1013) after the messages already queued. Idempotent.
     */
    void close(int code, String reason);

    /** Whether the session can still send. */
    boolean isOpen();

    /** What {@link #send} does with a message that does not fit in the outgoing queue. */
    enum Overflow {
        /** Refuse the new message; {@code send} returns {@code false}. The caller decides what next. */
        REJECT,
        /** Evict the oldest queued messages until the new one fits (not the one being written). */
        DROP_OLDEST
    }
}
