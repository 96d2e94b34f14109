package dev.tollgate.plugin.websockethub.internal;

import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * The share of the hub's {@link Capacity} one connection holds: a connection slot, its queue's bytes of
 * the queue budget and, for a user, one of that user's connections. Taken before the upgrade and
 * given back exactly once: when the upgrade fails, when the session closes, or when a session
 * never opened after an accepted upgrade (the client left during the handshake). A connection
 * that authenticates with its first message is admitted without a user and counted as its
 * user's once authenticated ({@link #bindUser}).
 *
 * <p>Thread-safe: the user is read and changed under the admission's lock, so giving the share
 * back never races with binding it to a user.
 */
final class Admission {
    private final Capacity capacity;
    private String user;
    private final long queueBytes;
    private final long createdNanos = System.nanoTime();
    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);

    /** @param user the user already counted for this admission, or null */
    Admission(Capacity capacity, String user, long queueBytes) {
        this.capacity = requireNonNull(capacity, "capacity is null");
        this.user = user;
        this.queueBytes = queueBytes;
    }

    /** The user holding it, or null for an anonymous connection (or one not authenticated yet). */
    synchronized String user() {
        return user;
    }

    /**
     * Counts the connection as {@code newUser}'s, within the per-user limit.
     *
     * @return false when that user has as many connections as allowed; true when counted, or when
     *         the share was given back meanwhile (nothing left to count)
     * @throws IllegalStateException when the admission has a user already
     */
    synchronized boolean bindUser(String newUser) {
        if (user != null) {
            throw new IllegalStateException("the connection is counted as " + user + "'s already");
        }
        if (state.get() == State.RELEASED) {
            return true;
        }
        if (!capacity.addUserConnection(newUser)) {
            return false;
        }
        user = newUser;
        return true;
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
            capacity.admissionOpened(this);
        }
        return opened;
    }

    /** Gives the capacity back; only the first call does. */
    synchronized void release() {
        if (state.getAndSet(State.RELEASED) != State.RELEASED) {
            capacity.release(this);
        }
    }

    /** Releases a share whose session never opened; false when it has opened meanwhile. */
    synchronized boolean expire() {
        if (state.compareAndSet(State.PENDING, State.RELEASED)) {
            capacity.release(this);
            return true;
        }
        return false;
    }

    private enum State {
        PENDING, OPEN, RELEASED
    }
}
