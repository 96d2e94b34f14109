package dev.tollgate.plugin.websockethub.internal;


import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static java.util.Objects.requireNonNull;

/**
 * The share of the hub's {@link Capacity} one connection holds: a connection slot, its queue's bytes of
 * the queue budget and, for a user, one of that user's connections. Taken before the upgrade and
 * given back exactly once: when the upgrade fails, when the session closes, or when a session
 * never opened after an accepted upgrade (the client left during the handshake). A connection
 * that authenticates with its first message is admitted without a user and counted as its
 * user's once authenticated ({@link #bindUser}).
 *
 * <p>Its bytes of the queue budget follow what the connection's queue holds: at least the
 * reservation it was admitted with, more in whole steps of that reservation while the queue holds
 * more ({@link #coverQueue}, before a message is queued), less again once it drained
 * ({@link #trimQueue}, from a periodic task). The queue budget therefore bounds the bytes queued
 * on the instance, approximately: a trim racing with a send may leave one message uncovered until
 * the next send or trim.
 *
 * <p>Thread-safe: the user is read and changed under the admission's lock, so giving the share
 * back never races with binding it to a user; the queue bytes are changed lock-free (they are
 * covered on the fan-out's hot path), and once given back can no longer grow.
 */
final class Admission {
    private final Capacity capacity;
    private String user;
    private final long reservation;
    // Fields with VarHandles rather than an AtomicLong and an AtomicReference: two objects fewer per connection.
    private static final VarHandle QUEUE_BYTES = FieldHandles.field(MethodHandles.lookup(), "queueBytes", long.class);
    private static final VarHandle STATE = FieldHandles.field(MethodHandles.lookup(), "state", State.class);
    /** Bytes of the queue budget held; {@link #RELEASED_QUEUE} once given back. */
    private volatile long queueBytes;
    private final long createdNanos = System.nanoTime();
    private volatile State state = State.PENDING;

    private static final long RELEASED_QUEUE = -1;

    /**
     * @param user the user already counted for this admission, or null
     * @param reservation the bytes of the queue budget already taken for it
     */
    Admission(Capacity capacity, String user, long reservation) {
        this.capacity = requireNonNull(capacity, "capacity is null");
        if (reservation < 1) {
            throw new IllegalArgumentException("the reservation must be positive");
        }
        this.user = user;
        this.reservation = reservation;
        this.queueBytes = reservation;
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
        if (state == State.RELEASED) {
            return true;
        }
        if (!capacity.addUserConnection(newUser)) {
            return false;
        }
        user = newUser;
        return true;
    }

    /**
     * Makes the bytes of the queue budget held cover a queue of {@code queued} bytes, taking whole
     * steps of the reservation from the budget when it holds less.
     *
     * @return false when the budget cannot cover them, or the share was given back; nothing is
     *         taken then
     */
    boolean coverQueue(long queued) {
        while (true) {
            long held = queueBytes;
            if (held == RELEASED_QUEUE) {
                return false;
            }
            if (queued <= held) {
                return true;
            }
            long wanted = roundUp(queued);
            if (!capacity.reserveQueueBytes(wanted - held)) {
                return false;
            }
            if (QUEUE_BYTES.compareAndSet(this, held, wanted)) {
                return true;
            }
            capacity.releaseQueueBytes(wanted - held);
        }
    }

    /** Gives back what the queue, now holding {@code queued} bytes, no longer needs: all but the reservation once it is empty. */
    void trimQueue(long queued) {
        long wanted = roundUp(Math.max(queued, 1));
        long held = queueBytes;
        if (held > wanted && QUEUE_BYTES.compareAndSet(this, held, wanted)) {
            capacity.releaseQueueBytes(held - wanted);
        }
    }

    /** The smallest multiple of the reservation that is at least {@code bytes}. */
    private long roundUp(long bytes) {
        return (bytes + reservation - 1) / reservation * reservation;
    }

    /** The reservation it was admitted with. */
    long reservation() {
        return reservation;
    }

    long createdNanos() {
        return createdNanos;
    }

    /** The session opened; false when the admission had already expired or been released. */
    boolean open() {
        boolean opened = STATE.compareAndSet(this, State.PENDING, State.OPEN);
        if (opened) {
            capacity.admissionOpened(this);
        }
        return opened;
    }

    /** Gives the capacity back; only the first call does. */
    synchronized void release() {
        if ((State) STATE.getAndSet(this, State.RELEASED) != State.RELEASED) {
            giveBack();
        }
    }

    /** Releases a share whose session never opened; false when it has opened meanwhile. */
    synchronized boolean expire() {
        if (STATE.compareAndSet(this, State.PENDING, State.RELEASED)) {
            giveBack();
            return true;
        }
        return false;
    }

    private void giveBack() {
        capacity.releaseQueueBytes((long) QUEUE_BYTES.getAndSet(this, RELEASED_QUEUE));
        capacity.release(this);
    }

    private enum State {
        PENDING, OPEN, RELEASED
    }
}
