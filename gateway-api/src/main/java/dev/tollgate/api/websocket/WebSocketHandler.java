package dev.tollgate.api.websocket;

import java.nio.ByteBuffer;

/**
 * Receives the events of one WebSocket session, accepted with
 * {@link dev.tollgate.api.http.Exchange#upgradeToWebSocket}.
 *
 * <p>Events of one session arrive one at a time, in order, on I/O threads; they must not block.
 * Messages arrive whole (fragments are aggregated within {@link WebSocketSettings#maxMessageSize()}).
 * {@link #onClose} is called exactly once, last, however the session ended (close frame, idle
 * timeout, network failure, gateway shutdown); {@link #onError} may precede it.
 */
public interface WebSocketHandler {

    /** The handshake is done; the session may send. */
    void onOpen(WebSocketSession session);

    /** A whole text message. */
    default void onText(WebSocketSession session, String text) {
    }

    /**
     * A whole binary message. The buffer is valid only during the call; copy what you keep.
     */
    default void onBinary(WebSocketSession session, ByteBuffer data) {
    }

    /** The session failed (protocol error, message too big, I/O error); {@link #onClose} follows. */
    default void onError(WebSocketSession session, Throwable failure) {
    }

    /** The session is closed, with the close code and reason received or decided by the gateway. */
    default void onClose(WebSocketSession session, int code, String reason) {
    }
}
