package dev.tollgate.api.upstream;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * How a service's attempts may be retried ({@code gateway.services.<name>.retries}).
 *
 * <p>The backend decides whether a failed attempt is safe to retry — the request never reached
 * the instance ({@link Attempt.Failure#neverReachedInstance()}), or the method is idempotent
 * and the request body can be sent again — and asks this policy whether it may: within
 * {@link #maxAttempts()}, for a retryable status or failure, and while the service's retry
 * budget lasts ({@link #tryAcquire()}), so that retries cannot multiply load on a struggling
 * service. It waits {@link #backoff} before the retry (on a scheduler, never blocking).
 */
public interface RetryPolicy {

    /** RFC 9110 §9.2.2 idempotent methods. */
    Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

    /** Attempts in all, the first included; 1 disables retries. */
    int maxAttempts();

    /** Whether a response with this status may be retried (for an idempotent request), e.g. 502, 503. */
    boolean retriesStatus(int status);

    /** Whether an attempt that failed this way may be retried (subject to the safety rules above). */
    boolean retriesFailure(Attempt.Failure failure);

    /**
     * The delay before retry {@code retry} (1 for the first): exponential from the base delay,
     * capped, with full jitter.
     */
    Duration backoff(int retry);

    /**
     * Takes one retry from the service's budget; {@code false} when retries have reached the
     * budget's share of recent requests, and the attempt's outcome must be answered as it is.
     */
    boolean tryAcquire();

    /** Whether the method is idempotent (RFC 9110 §9.2.2). */
    static boolean isIdempotent(String method) {
        return IDEMPOTENT_METHODS.contains(method.toUpperCase(Locale.ROOT));
    }
}
