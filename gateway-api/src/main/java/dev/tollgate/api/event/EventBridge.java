package dev.tollgate.api.event;

import dev.tollgate.api.health.HealthIndicator;

/**
 * An {@link EventBus} backed by an external transport, created by an
 * {@link EventBridgeFactory}. It must survive losing the transport: keep delivering local
 * publications, reconnect with back-off, re-subscribe, and report the outage through
 * {@link #health()}.
 */
public interface EventBridge extends EventBus, AutoCloseable {

    /** The bridge's state for {@code /health}. */
    HealthIndicator health();

    /** Unsubscribes everything and disconnects. */
    @Override
    void close();
}
