package dev.tollgate.plugin.websockethub.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What one client may ask of the hub at a time: messages per second ({@code max-messages-per-second})
 * and publishes waiting for the bus ({@code max-publishes-in-flight}).
 *
 * <p>Messages are counted in a token bucket of one second's worth: a burst of that many, then that
 * many per second. A message beyond is refused, and refusals (of either limit) count against the
 * bucket too, driving it into debt: a client that goes on sending after being refused for as many
 * messages as it may send in a second is {@linkplain Verdict#CLOSE abusive}, to be closed. Debt is
 * paid back at the same rate, so a client that slows down after a refusal recovers.
 *
 * <p>Publishes in flight are counted from {@link #tryStartPublish} to {@link #publishDone}, so
 * that a client cannot pile publications up behind a slow bus (the Redis bridge keeps each
 * channel's publications in order, each waiting for the one before).
 *
 * <p>Threading: {@link #admitMessage} and {@link #refused} are called by the connection's I/O
 * thread, one message at a time, like the rest of {@link ClientProtocol}; {@link #publishDone}
 * by whichever thread completes the bus's stage.
 */
final class ClientLimits {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int messagesPerSecond;
    private final int maxPublishesInFlight;
    private final LongSupplier nanoTime;
    /** What one message costs of the allowance. */
    private final long nanosPerMessage;
    /** The allowance when full: a second's worth of messages. */
    private final long burst;
    private static final VarHandle PUBLISHES_IN_FLIGHT = FieldHandles.field(MethodHandles.lookup(), "publishesInFlight", int.class);
    private volatile int publishesInFlight;
    /** Messages that may be sent now, as time at the allowed rate; negative in debt. */
    private long allowance;
    private long lastRefillNanos;

    /**
     * @param messagesPerSecond the rate, and the burst, of messages a client may send
     * @param maxPublishesInFlight publishes of the client waiting for the bus at most
     * @param nanoTime the clock ({@link System#nanoTime} but in tests)
     */
    ClientLimits(int messagesPerSecond, int maxPublishesInFlight, LongSupplier nanoTime) {
        if (messagesPerSecond < 1 || maxPublishesInFlight < 1) {
            throw new IllegalArgumentException("client limits must be positive");
        }
        this.messagesPerSecond = messagesPerSecond;
        this.maxPublishesInFlight = maxPublishesInFlight;
        this.nanoTime = nanoTime;
        this.nanosPerMessage = SECOND / messagesPerSecond;
        this.burst = nanosPerMessage * messagesPerSecond;
        this.allowance = burst;
        this.lastRefillNanos = nanoTime.getAsLong();
    }

    /** What to do with a message. */
    enum Verdict {
        /** Carry it out. */
        ACCEPT,
        /** Refuse it with an error reply. */
        REFUSE,
        /** Refuse it and close the connection: the client went on after being refused a second's worth of messages. */
        CLOSE
    }

    /** Counts a message from the client. */
    Verdict admitMessage() {
        refill();
        if (allowance >= nanosPerMessage) {
            allowance -= nanosPerMessage;
            return Verdict.ACCEPT;
        }
        return refused();
    }

    /**
     * Counts a refusal against the client (a message refused by either limit): {@link Verdict#CLOSE}
     * once refusals have run it a second's worth of messages into debt, else {@link Verdict#REFUSE}.
     */
    Verdict refused() {
        refill();
        allowance -= nanosPerMessage;
        return allowance <= -burst ? Verdict.CLOSE : Verdict.REFUSE;
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        allowance = Math.min(burst, allowance + (now - lastRefillNanos));
        lastRefillNanos = now;
    }

    /** Takes a place for a publish waiting for the bus; false when the client has as many as allowed. */
    boolean tryStartPublish() {
        int current;
        do {
            current = publishesInFlight;
            if (current >= maxPublishesInFlight) {
                return false;
            }
        }
        while (!PUBLISHES_IN_FLIGHT.compareAndSet(this, current, current + 1));
        return true;
    }

    /** A publish started with {@link #tryStartPublish} was answered by the bus; any thread. */
    void publishDone() {
        PUBLISHES_IN_FLIGHT.getAndAdd(this, -1);
    }

    int messagesPerSecond() {
        return messagesPerSecond;
    }

    int maxPublishesInFlight() {
        return maxPublishesInFlight;
    }
}
