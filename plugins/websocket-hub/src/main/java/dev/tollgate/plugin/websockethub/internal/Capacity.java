package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * The capacity of the hub, shared by all its routes on this instance: connection slots
 * ({@code max-connections}), the queue budget ({@code queue-budget}) and connections per user
 * ({@code max-connections-per-user}). It hands out an {@link Admission} for each accepted upgrade
 * and takes the share back when the admission is released, or when the session has not opened
 * 30 seconds after the upgrade was accepted (the client left during the handshake).
 *
 * <p>The queue budget bounds what the outgoing queues hold, not how many connections there are:
 * a connection reserves {@code queue-reservation} when it is admitted, and its queue takes more
 * from the budget only while it really holds more ({@link Admission#coverQueue}), giving it back
 * as it drains ({@link Admission#trimQueue}). An upgrade is refused when the budget cannot cover
 * one more reservation, so idle connections cost little of it; queues that fill it up are what
 * refuses new connections (and, for the messages that do not fit, the channel's slow-consumer
 * policy decides).
 *
 * <p>Thread-safe, with no lock of its own (counters are updated by compare-and-set, per-user
 * counts atomically per user): upgrades are admitted on I/O threads, admissions released on I/O
 * threads or the thread completing an upgrade, and expired on the scheduler.
 */
final class Capacity implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Capacity.class);
    /** An accepted upgrade whose session has not opened after this long gives its capacity back. */
    private static final Duration HANDSHAKE_DEADLINE = Duration.ofSeconds(30);

    private final HubSettings settings;
    private final HubMetrics metrics;
    private final Set<Admission> pendingAdmissions = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> connectionsPerUser = new ConcurrentHashMap<>();
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicLong reservedQueueBytes = new AtomicLong();
    private final Map<Long, Integer> routeReservations = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> expiry;

    /** @param scheduler runs the expiry of admissions whose session never opened, until {@link #close()} */
    Capacity(HubSettings settings, HubMetrics metrics, ScheduledExecutorService scheduler) {
        this.settings = requireNonNull(settings, "settings is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        long period = HANDSHAKE_DEADLINE.toMillis() / 3;
        this.expiry = scheduler.scheduleWithFixedDelay(this::expireAdmissions, period, period, TimeUnit.MILLISECONDS);
    }

    /** A route whose connections reserve this much uses the hub (for {@link #refusalReason()}); undone by {@link #routeRemoved}. */
    void routeAdded(long reservation) {
        routeReservations.merge(reservation, 1, Integer::sum);
    }

    void routeRemoved(long reservation) {
        routeReservations.computeIfPresent(reservation, (key, count) -> count == 1 ? null : count - 1);
    }

    /**
     * Takes a connection's share of the capacity.
     *
     * @param user the connection's user, or null
     * @param reservation what the connection reserves from the queue budget while it is open, and
     *        the step in which its queue takes more ({@link Admission#coverQueue})
     * @throws GatewayException {@code UNAVAILABLE} at the connection cap or when the queue budget
     *         is used up, {@code TOO_MANY_REQUESTS} when the user has as many connections as allowed
     */
    Admission admit(String user, long reservation) {
        if (!tryIncrement(admitted, settings.maxConnections())) {
            metrics.refusedForCapacity();
            throw new GatewayException(ErrorCode.UNAVAILABLE, "the WebSocket hub is at its connection limit");
        }
        if (!reserveQueueBytes(reservation)) {
            admitted.decrementAndGet();
            metrics.refusedForQueueBudget();
            throw new GatewayException(ErrorCode.UNAVAILABLE, "the WebSocket hub's queue budget is used up");
        }
        if (user != null && !addUserConnection(user)) {
            releaseQueueBytes(reservation);
            admitted.decrementAndGet();
            throw new GatewayException(ErrorCode.TOO_MANY_REQUESTS, userLimitMessage());
        }
        Admission admission = new Admission(this, user, reservation);
        pendingAdmissions.add(admission);
        return admission;
    }

    /**
     * Counts one more connection of {@code user} (undone by {@link #release}); false, counted
     * as a refusal, when the user has {@code max-connections-per-user} already.
     */
    boolean addUserConnection(String user) {
        if (settings.maxConnectionsPerUser() == 0 || tryAddUserConnection(user)) {
            return true;
        }
        metrics.refusedForUserLimit();
        return false;
    }

    /** Why {@link #addUserConnection} refused. */
    String userLimitMessage() {
        return "at most " + settings.maxConnectionsPerUser() + " connections per user";
    }

    /** An admission's session opened: it no longer expires. Called once per admission by {@link Admission}. */
    void admissionOpened(Admission admission) {
        pendingAdmissions.remove(admission);
        metrics.opened();
    }

    /**
     * Gives an admission's slot and user count back; called once per admission by
     * {@link Admission}, which gives its queue bytes back itself.
     */
    void release(Admission admission) {
        pendingAdmissions.remove(admission);
        if (admission.user() != null && settings.maxConnectionsPerUser() > 0) {
            connectionsPerUser.computeIfPresent(admission.user(), (user, count) -> count == 1 ? null : count - 1);
        }
        admitted.decrementAndGet();
    }

    /** Takes bytes from the queue budget; false, taking nothing, when the budget cannot cover them. */
    boolean reserveQueueBytes(long bytes) {
        long current;
        do {
            current = reservedQueueBytes.get();
            if (current + bytes > settings.queueBudget()) {
                return false;
            }
        }
        while (!reservedQueueBytes.compareAndSet(current, current + bytes));
        return true;
    }

    /** Gives bytes back to the queue budget. */
    void releaseQueueBytes(long bytes) {
        reservedQueueBytes.addAndGet(-bytes);
    }

    /** Connections admitted and not released. */
    int admitted() {
        return admitted.get();
    }

    /** Bytes of the queue budget the admitted connections reserve (their reservations and what their queues took beyond). */
    long reservedQueueBytes() {
        return reservedQueueBytes.get();
    }

    /**
     * Why new connections are refused now, for the health report: the connection cap is reached,
     * or the queue budget cannot cover the reservation of a connection of the route reserving the
     * least; null while there is room.
     */
    String refusalReason() {
        if (admitted.get() >= settings.maxConnections()) {
            return "at the connection limit: new connections are refused";
        }
        long smallestRoute = routeReservations.keySet().stream().mapToLong(Long::longValue).min().orElse(0);
        if (reservedQueueBytes.get() + smallestRoute > settings.queueBudget()) {
            return "the queue budget is used up: new connections are refused";
        }
        return null;
    }

    private static boolean tryIncrement(AtomicInteger counter, int limit) {
        int current;
        do {
            current = counter.get();
            if (current >= limit) {
                return false;
            }
        }
        while (!counter.compareAndSet(current, current + 1));
        return true;
    }

    private boolean tryAddUserConnection(String user) {
        boolean[] added = new boolean[1];
        connectionsPerUser.compute(user, (key, count) -> {
            int current = count == null ? 0 : count;
            if (current >= settings.maxConnectionsPerUser()) {
                return count;
            }
            added[0] = true;
            return current + 1;
        });
        return added[0];
    }

    private void expireAdmissions() {
        long deadline = HANDSHAKE_DEADLINE.toNanos();
        long now = System.nanoTime();
        for (Admission admission : pendingAdmissions) {
            if (now - admission.createdNanos() > deadline && admission.expire()) {
                LOG.debug("Released the capacity of an upgrade whose session never opened");
            }
        }
    }

    /** Stops expiring admissions. */
    @Override
    public void close() {
        expiry.cancel(false);
    }
}
