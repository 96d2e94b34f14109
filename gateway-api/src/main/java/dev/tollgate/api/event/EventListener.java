package dev.tollgate.api.event;

/**
 * Receives events of a subscription. Called on the thread that delivers the event: the
 * publisher's thread for the in-memory bus, the bridge's I/O thread for a bridge. Events of one
 * channel from one publisher arrive in order; events published concurrently may be delivered
 * concurrently, so a listener must be thread-safe. It must return quickly and never block: a
 * slow listener delays every other listener of the bus.
 */
@FunctionalInterface
public interface EventListener {
    void onEvent(Event event);
}
