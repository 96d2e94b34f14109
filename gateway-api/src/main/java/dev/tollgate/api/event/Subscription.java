package dev.tollgate.api.event;

/**
 * A listener's registration on the {@link EventBus}. Closing it stops delivery (an event
 * already being delivered may still arrive) and releases the transport subscription when it
 * was the last one for its channel. Idempotent.
 */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
