package dev.tollgate.api.event;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * Publish/subscribe between the gateway's components and, through a bridge, between gateway
 * instances and the backends behind them.
 *
 * <p>The runtime's in-memory bus delivers within one process. A bridge plugin (Redis) replaces
 * it when {@code gateway.events.bridge} says so; then an event published anywhere (a backend,
 * any gateway instance) reaches the subscribers on every instance, once.
 *
 * <p>Channels are plain strings ({@code simulation:42}, {@code user:7}). Patterns use Redis'
 * glob syntax: {@code *} any run of characters, {@code ?} one character, {@code [ab]} a set.
 *
 * <p>All methods are thread-safe and never block.
 */
public interface EventBus {

    /**
     * Publishes to a channel. The stage completes when the transport has accepted the event
     * (for the in-memory bus, once local listeners were called), and fails with a
     * {@link dev.tollgate.api.GatewayException} ({@code UNAVAILABLE}) when it cannot be sent.
     */
    CompletionStage<Void> publish(String channel, ByteBuffer payload);

    /** Subscribes to one channel. */
    Subscription subscribe(String channel, EventListener listener);

    /** Subscribes to every channel matching a glob pattern. */
    Subscription subscribePattern(String pattern, EventListener listener);
}
