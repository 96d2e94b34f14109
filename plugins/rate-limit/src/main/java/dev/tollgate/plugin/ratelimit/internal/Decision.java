package dev.tollgate.plugin.ratelimit.internal;

import static java.util.Objects.requireNonNull;

/**
 * A store's answer for one request under one policy.
 *
 * @param admitted whether the request is admitted (and has consumed one unit of quota)
 * @param remaining requests that would still be admitted now, after this one
 * @param resetNanos for an admitted request, how long until the quota is whole again (the
 *        {@code t} of the {@code RateLimit} field); for a refused one, how long until a request
 *        would be admitted (its {@code Retry-After})
 * @param window for an admission of a sliding window, the index of the fixed window it was
 *        counted in, which {@link Store#refund} needs; 0 otherwise
 */
public record Decision(Policy policy, boolean admitted, long remaining, long resetNanos, long window) {

    public Decision {
        requireNonNull(policy, "policy is null");
        remaining = Math.max(0, remaining);
        resetNanos = Math.max(0, resetNanos);
    }

    /** A refusal. */
    public static Decision refused(Policy policy, long waitNanos) {
        return new Decision(policy, false, 0, waitNanos, 0);
    }

    /** This admission as it stands once refunded: one more request left. */
    public Decision refunded() {
        return new Decision(policy, admitted, Math.min(remaining + 1, policy.burst()), resetNanos, window);
    }

    /** {@link #resetNanos} in whole seconds, rounded up: a client waiting that long is not refused for being early. */
    public long resetSeconds() {
        return (resetNanos + 999_999_999L) / 1_000_000_000L;
    }
}
