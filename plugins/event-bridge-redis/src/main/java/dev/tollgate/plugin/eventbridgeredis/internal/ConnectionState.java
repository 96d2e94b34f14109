package dev.tollgate.plugin.eventbridgeredis.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * Whether Redis is reachable, since when it is not, and how often it came back. Starts lost
 * ("connecting") until the first connection succeeds.
 *
 * <p>Thread-safe: transitions are short and synchronized, reads of {@link #isLost()} are a
 * volatile read. The transition methods say whether they changed the state, so that exactly one
 * caller logs and acts on each change.
 */
public final class ConnectionState {
    private final Clock clock;
    private volatile Instant lostSince;
    private volatile String problem = "connecting";
    private boolean everConnected;
    private long recoveries;

    public ConnectionState(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
        this.lostSince = clock.instant();
    }

    /** Redis answered. Returns whether it was lost until now. */
    public synchronized boolean reachable() {
        if (lostSince == null) {
            return false;
        }
        lostSince = null;
        if (everConnected) {
            recoveries++;
        }
        everConnected = true;
        return true;
    }

    /** Redis did not answer, or a connection to it closed. Returns whether it was reachable until now. */
    public synchronized boolean lost(String reason) {
        requireNonNull(reason, "reason is null");
        problem = reason;
        if (lostSince != null) {
            return false;
        }
        lostSince = clock.instant();
        return true;
    }

    public boolean isLost() {
        return lostSince != null;
    }

    /** Whether a first connection ever succeeded. */
    public synchronized boolean everConnected() {
        return everConnected;
    }

    /** When Redis was lost, or {@code null} while it is reachable. */
    public Instant lostSince() {
        return lostSince;
    }

    /** Why Redis is (or last was) unreachable. */
    public String problem() {
        return problem;
    }

    /** How long the current outage has lasted; zero while Redis is reachable. */
    public Duration outage() {
        Instant since = lostSince;
        return since == null ? Duration.ZERO : Duration.between(since, clock.instant());
    }

    /** How many times Redis came back after being lost (the first connection does not count). */
    public synchronized long recoveries() {
        return recoveries;
    }
}
