package dev.tollgate.api.websocket;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * Limits and timers of a WebSocket session, fixed when it is accepted. The defaults are
 * conservative; an endpoint usually builds them once from its configuration.
 *
 * @param idleTimeout close the session (1001) when nothing was received from the peer for this
 *        long: no message, no pong, no frame at all (what the gateway sends does not count), with
 *        the queued messages dropped; the connection is dropped if the peer does not complete the
 *        closing handshake within a few seconds after
 * @param pingInterval send a protocol ping after this much silence, so that a live peer that has
 *        nothing to say answers with a pong; shorter than {@code idleTimeout}, or a quiet peer is
 *        closed. {@link Duration#ZERO} disables pings: the peer must then send within the idle timeout
 * @param maxMessageSize the largest message accepted, in bytes; larger ones close with 1009
 * @param maxQueuedBytes the outgoing queue's limit in bytes
 * @param maxQueuedMessages the outgoing queue's limit in messages
 * @param permessageDeflate whether to offer permessage-deflate compression
 */
public record WebSocketSettings(
        Duration idleTimeout,
        Duration pingInterval,
        int maxMessageSize,
        long maxQueuedBytes,
        int maxQueuedMessages,
        boolean permessageDeflate) {

    /** Idle 60 s, ping every 25 s, 64 KiB messages, 1 MiB / 1024 messages queued, no compression. */
    public static final WebSocketSettings DEFAULTS = new WebSocketSettings(
            Duration.ofSeconds(60), Duration.ofSeconds(25), 64 * 1024, 1024 * 1024, 1024, false);

    public WebSocketSettings {
        requireNonNull(idleTimeout, "idleTimeout is null");
        requireNonNull(pingInterval, "pingInterval is null");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive");
        }
        if (pingInterval.isNegative()) {
            throw new IllegalArgumentException("pingInterval must not be negative");
        }
        if (maxMessageSize <= 0 || maxQueuedBytes <= 0 || maxQueuedMessages <= 0) {
            throw new IllegalArgumentException("WebSocket limits must be positive");
        }
    }
}
