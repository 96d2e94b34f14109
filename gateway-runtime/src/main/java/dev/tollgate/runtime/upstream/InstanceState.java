package dev.tollgate.runtime.upstream;

import dev.tollgate.api.upstream.ServiceInstance;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * What the runtime knows about one instance of a service: requests in flight, a latency
 * estimate, the active health checks' verdict, passive ejection and the circuit breaker. Kept
 * across discovery updates for as long as the instance's id and address stay the same.
 *
 * <p>Thread-safe. Reads on the request path are plain volatile reads.
 */
final class InstanceState {
    /** Weight of a new latency sample in the moving average. */
    private static final double LATENCY_DECAY = 0.2;

    private final ServiceInstance instance;
    private final CircuitBreaker breaker;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong latencyNanos = new AtomicLong();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    private volatile boolean healthy = true;
    private volatile long ejectedUntilNanos;
    private volatile boolean ejected;
    private int ejectionsInARow;
    /** Probe results in a row that disagree with {@link #healthy}; touched by the prober only. */
    private int probeStreak;

    InstanceState(ServiceInstance instance, UpstreamSettings settings) {
        this.instance = requireNonNull(instance, "instance is null");
        this.breaker = new CircuitBreaker(settings.circuitBreaker());
    }

    ServiceInstance instance() {
        return instance;
    }

    String id() {
        return instance.id();
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /** Whether an attempt may be sent here now, as far as health, ejection and circuit go. */
    boolean isAvailable(long nowNanos) {
        return healthy && !isEjected(nowNanos) && breaker.allows(nowNanos);
    }

    boolean isHealthy() {
        return healthy;
    }

    boolean isEjected(long nowNanos) {
        return ejected && nowNanos - ejectedUntilNanos < 0;
    }

    int inFlight() {
        return inFlight.get();
    }

    void attemptStarted() {
        inFlight.incrementAndGet();
    }

    void attemptEnded() {
        inFlight.decrementAndGet();
    }

    /** The moving average of response latency (peak-sensitive: a slower sample counts at once). */
    long latencyNanos() {
        return latencyNanos.get();
    }

    void recordLatency(long sampleNanos) {
        long current = latencyNanos.get();
        long updated = sampleNanos >= current ? sampleNanos : (long) (current + LATENCY_DECAY * (sampleNanos - current));
        latencyNanos.compareAndSet(current, updated);
    }

    /** A successful attempt: resets the passive failure count. */
    void recordSuccess(long nowNanos) {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        if (ejectionsInARow != 0 && !isEjected(nowNanos)) {
            synchronized (this) {
                ejectionsInARow = 0;
                ejected = false;
            }
        }
        breaker.recordSuccess(nowNanos);
    }

    /**
     * A failed attempt.
     *
     * @return whether this failure reached the passive-health threshold (the caller decides
     *         whether to eject, given how many instances are ejected already)
     */
    boolean recordFailure(long nowNanos, UpstreamSettings.PassiveHealth passive) {
        breaker.recordFailure(nowNanos);
        return passive.enabled() && consecutiveFailures.incrementAndGet() >= passive.consecutiveFailures() && !isEjected(nowNanos);
    }

    /** Ejects the instance: the first ejection for the base time, each further one in a row twice as long, capped. */
    synchronized long eject(long nowNanos, UpstreamSettings.PassiveHealth passive) {
        long base = passive.ejectionTime().toNanos();
        long duration = Math.min(passive.maxEjectionTime().toNanos(), base << Math.min(20, ejectionsInARow));
        ejectionsInARow++;
        consecutiveFailures.set(0);
        ejectedUntilNanos = nowNanos + duration;
        ejected = true;
        return duration;
    }

    /**
     * A probe result from the active health checker.
     *
     * @return whether the instance's health changed
     */
    synchronized boolean recordProbe(boolean success, UpstreamSettings.HealthCheck check) {
        if (success == healthy) {
            probeStreak = 0;
            return false;
        }
        probeStreak++;
        if (probeStreak >= (success ? check.healthyThreshold() : check.unhealthyThreshold())) {
            healthy = success;
            probeStreak = 0;
            return true;
        }
        return false;
    }

    /** A short description of why the instance is unavailable, for /health and errors; "available" otherwise. */
    String condition(long nowNanos) {
        if (!healthy) {
            return "down";
        }
        if (isEjected(nowNanos)) {
            return "ejected";
        }
        return switch (breaker.state()) {
            case OPEN -> "circuit-open";
            case HALF_OPEN -> "circuit-half-open";
            case CLOSED -> "available";
        };
    }
}
