package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.Principal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * When one connection's authentication expires, and what happens then: the principal's expiry
 * ({@link #expiryOf}) sets two timers on the hub's scheduler, one that sends
 * {@code {"type":"auth-expiring","expiresIn":…}} the route's {@code auth.expiry-warning} before,
 * and one that closes the connection with 4001 at the expiry. A principal without an expiry sets
 * none: the connection is unaffected.
 *
 * <p>{@link #schedule} replaces the timers of the previous principal (a refreshed token's expiry
 * replaces the old one); {@link #end} cancels them for good when the connection closes. Timers
 * that fire after they were replaced or ended do nothing: each carries the generation it was set
 * for. Thread-safe: the critical sections only swap timers, nothing in them blocks or sends.
 */
final class SessionExpiry {
    private static final Duration LONGEST_DELAY = Duration.ofNanos(Long.MAX_VALUE / 2);
    private final Hub hub;
    private final ConnectionSender sender;
    private final Duration warning;
    private long generation;
    private Instant expiresAt;
    private ScheduledFuture<?> warningTimer;
    private ScheduledFuture<?> expiryTimer;
    private boolean ended;

    /**
     * @param warning how long before the expiry the client is warned; zero for no warning
     */
    SessionExpiry(Hub hub, ConnectionSender sender, Duration warning) {
        this.hub = requireNonNull(hub, "hub is null");
        this.sender = requireNonNull(sender, "sender is null");
        this.warning = requireNonNull(warning, "warning is null");
    }

    /**
     * When {@code principal}'s authentication expires: the earlier of its claims {@code exp} and
     * {@code expires_at}, each in seconds since the epoch (a number of any type, or its text), and
     * {@code expires_at} also as an ISO-8601 instant. Empty when it has neither, or neither can be
     * read as a time.
     */
    static Optional<Instant> expiryOf(Principal principal) {
        Instant exp = instant(principal.claims().get("exp"));
        Instant expiresAt = instant(principal.claims().get("expires_at"));
        if (exp == null) {
            return Optional.ofNullable(expiresAt);
        }
        return Optional.of(expiresAt == null || exp.isBefore(expiresAt) ? exp : expiresAt);
    }

    private static Instant instant(Object claim) {
        try {
            if (claim instanceof Number number) {
                return secondsSinceEpoch(number.doubleValue());
            }
            if (claim instanceof String text && !text.isBlank()) {
                String trimmed = text.trim();
                return Character.isDigit(trimmed.charAt(0)) && trimmed.indexOf('T') < 0
                        ? secondsSinceEpoch(Double.parseDouble(trimmed)) : Instant.parse(trimmed);
            }
        }
        catch (NumberFormatException | DateTimeException | ArithmeticException e) {
            return null;
        }
        return null;
    }

    private static Instant secondsSinceEpoch(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return null;
        }
        return Instant.ofEpochMilli(Math.round(seconds * 1000));
    }

    /**
     * Sets the timers for {@code principal}'s expiry, replacing those of the previous principal;
     * with no expiry, none. Does nothing once {@link #end ended}.
     */
    void schedule(Principal principal) {
        Instant at = principal == null ? null : expiryOf(principal).orElse(null);
        synchronized (this) {
            if (ended) {
                return;
            }
            cancelTimers();
            long current = ++generation;
            expiresAt = at;
            if (at == null) {
                return;
            }
            long untilExpiry = nanosUntil(at);
            if (!warning.isZero() && untilExpiry > 0) {
                long untilWarning = Math.max(0, untilExpiry - warning.toNanos());
                warningTimer = hub.scheduler().schedule(() -> warn(current), untilWarning, TimeUnit.NANOSECONDS);
            }
            expiryTimer = hub.scheduler().schedule(() -> expire(current), untilExpiry, TimeUnit.NANOSECONDS);
        }
    }

    /** Nanoseconds from now until {@code at}: 0 when it has passed, at most about 146 years (an exp far ahead). */
    private long nanosUntil(Instant at) {
        Duration left = Duration.between(hub.clock().instant(), at);
        if (left.isNegative()) {
            return 0;
        }
        return left.compareTo(LONGEST_DELAY) > 0 ? LONGEST_DELAY.toNanos() : left.toNanos();
    }

    /** Whether the current principal's authentication expires (a refreshed token may then replace it). */
    synchronized boolean expires() {
        return expiresAt != null && !ended;
    }

    /** The connection closed: no timer fires any more. */
    synchronized void end() {
        ended = true;
        cancelTimers();
    }

    /** On the scheduler: tells the client how long its authentication has left. */
    private void warn(long forGeneration) {
        Instant at;
        synchronized (this) {
            if (ended || forGeneration != generation) {
                return;
            }
            at = expiresAt;
        }
        long millisLeft = Math.max(0, Duration.between(hub.clock().instant(), at).toMillis());
        sender.reply(ServerMessages.authExpiring(Math.round(millisLeft / 1000.0)));
    }

    /** On the scheduler: the authentication expired, and no fresh token replaced it in time. */
    private void expire(long forGeneration) {
        synchronized (this) {
            if (ended || forGeneration != generation) {
                return;
            }
            ended = true;
            warningTimer = null;
            expiryTimer = null;
        }
        hub.metrics().authenticationExpired();
        sender.reply(ServerMessages.error(null, null, ProtocolError.UNAUTHORIZED, "authentication expired"));
        sender.close(4001, "authentication expired");
    }

    private void cancelTimers() {
        if (warningTimer != null) {
            warningTimer.cancel(false);
            warningTimer = null;
        }
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
    }

    @Override
    public synchronized String toString() {
        return expiresAt == null ? "no expiry" : "expires at " + expiresAt;
    }
}
