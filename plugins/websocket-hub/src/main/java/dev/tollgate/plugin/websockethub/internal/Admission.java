package dev.tollgate.plugin.websockethub.internal;

import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * The share of the hub's capacity one connection holds: a connection slot, its queue's bytes of
 * the queue budget and, for a user, one of that user's connections. Taken before the upgrade and
 * given back exactly once: when the upgrade fails, when the session closes, or when a session
 * never opened after an accepted upgrade (the client left during the handshake).
 *
 * <p>Thread-safe.
 */
final class Admission {
    private final Hub hub;
    private final String user;
    private final long queueBytes;
    private final long createdNanos = System.nanoTime();
    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);

    Admission(Hub hub, String user, long queueBytes) {
        this.hub = requireNonNull(hub, "hub is null");
        this.user = user;
        this.queueBytes = queueBytes;
    }

    /** The user holding it, or null for an anonymous connection. */
    String user() {
        return user;
    }

    long queueBytes() {
        return queueBytes;
    }

    long createdNanos() {
        return createdNanos;
    }

    /** The session opened; false when the admission had already expired or been released. */
    boolean open() {
        boolean opened = state.compareAndSet(State.PENDING, State.OPEN);
        if (opened) {
            hub.admissionOpened(this);
        }
        return opened;
    }

    /** Gives the capacity back; only the first call does. */
    void release() {
        if (state.getAndSet(State.RELEASED) != State.RELEASED) {
            hub.release(this);
        }
    }

    /** Releases a share whose session never opened; false when it has opened meanwhile. */
    boolean expire() {
        if (state.compareAndSet(State.PENDING, State.RELEASED)) {
            hub.release(this);
            return true;
        }
        return false;
    }

    private enum State {
        PENDING, OPEN, RELEASED
    }
}
