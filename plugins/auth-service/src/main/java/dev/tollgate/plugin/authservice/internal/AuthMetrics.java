package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.metrics.Metrics;

import static java.util.Objects.requireNonNull;

/**
 * The metrics of the validations against one service: {@code validations} by outcome
 * ({@code valid}, {@code invalid}, {@code unavailable}, {@code deadline}), {@code cache_hits} and
 * {@code cache_misses}, and {@code validation_duration} (calls to the service only, retries
 * included), all labelled with the service.
 */
final class AuthMetrics {
    private final Metrics.Counter valid;
    private final Metrics.Counter invalid;
    private final Metrics.Counter unavailable;
    private final Metrics.Counter deadline;
    private final Metrics.Counter cacheHits;
    private final Metrics.Counter cacheMisses;
    private final Metrics.Timer duration;

    AuthMetrics(Metrics metrics, String service) {
        requireNonNull(metrics, "metrics is null");
        requireNonNull(service, "service is null");
        this.valid = metrics.counter("validations", "service", service, "outcome", "valid");
        this.invalid = metrics.counter("validations", "service", service, "outcome", "invalid");
        this.unavailable = metrics.counter("validations", "service", service, "outcome", "unavailable");
        this.deadline = metrics.counter("validations", "service", service, "outcome", "deadline");
        this.cacheHits = metrics.counter("cache_hits", "service", service);
        this.cacheMisses = metrics.counter("cache_misses", "service", service);
        this.duration = metrics.timer("validation_duration", "service", service);
    }

    void cacheHit() {
        cacheHits.increment();
    }

    void cacheMiss() {
        cacheMisses.increment();
    }

    /** A call to the service ended after {@code nanos} with this verdict. */
    void answered(Verdict verdict, long nanos) {
        (verdict instanceof Verdict.Valid ? valid : invalid).increment();
        duration.record(nanos);
    }

    /** A call to the service ended after {@code nanos} without a verdict. */
    void unavailable(boolean overDeadline, long nanos) {
        (overDeadline ? deadline : unavailable).increment();
        duration.record(nanos);
    }
}
