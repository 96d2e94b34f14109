package dev.tollgate.api.event;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A listener's registration on the {@link EventBus}. Closing it stops delivery (an event
 * already being delivered may still arrive) and releases the transport subscription when it
 * was the last one for its channel. Idempotent.
 */
public interface Subscription extends AutoCloseable {

    /**
     * When the subscription receives what is published on its channel (or pattern) from anywhere
     * the bus reaches, or why it never will.
     *
     * <p>Completes once events published from then on reach the listener: at once for the
     * runtime's in-memory bus; for a bridge, once its broker confirmed the transport subscription
     * (at once when it already had, for another listener of the same channel or pattern). An event
     * published before may be missed; a subscriber that must not miss any recovers with
     * {@link EventBus#history} from an offset taken before subscribing.
     *
     * <p>Fails with a {@link dev.tollgate.api.GatewayException} of code {@code UNAVAILABLE} when
     * the bus will not make it active: it has no room for another transport subscription (the
     * Redis bridge's {@code subscription-connections × subscriptions-per-connection}), or it was
     * closed. The subscription is then closed: its listener receives nothing, and closing it again
     * does nothing. Fails with a {@link java.util.concurrent.CancellationException} when the
     * subscription is closed before it became active.
     *
     * <p>While the transport is unreachable the stage stays incomplete: the bus keeps subscribing
     * and completes it when the transport confirms, and in the meantime the listener already gets
     * the events published on this gateway instance. A caller that must answer someone bounds its
     * wait ({@code toCompletableFuture().orTimeout(…)} on its own copy) and decides whether to keep
     * the subscription.
     *
     * <p>Each call returns a stage of the same outcome; it may complete on a bus thread (before
     * {@code subscribe} returns, or on the broker client's), so what depends on it must not block.
     *
     * @since 1.2
     */
    default CompletionStage<Void> active() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    void close();
}
