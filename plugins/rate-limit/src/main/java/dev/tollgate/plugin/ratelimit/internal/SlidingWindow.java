package dev.tollgate.plugin.ratelimit.internal;

/**
 * The arithmetic of the weighted two-window approximation, shared by the local store and by the
 * reading of the Redis script's answer (the script does the same in Lua).
 */
final class SlidingWindow {
    private SlidingWindow() {
    }

    /** The requests counted in the span of one window ending now. */
    static double estimate(long previous, long current, long elapsed, long window) {
        return previous * ((double) (window - elapsed) / window) + current;
    }

    /** How long from now until one more request would be admitted. */
    static long wait(long limit, long previous, long current, long elapsed, long window) {
        long untilNextWindow = window - elapsed;
        if (current <= limit - 1 && previous > 0) {
            // Within this window the previous window's weight decays linearly.
            double delay = untilNextWindow - (double) (limit - 1 - current) * window / previous;
            if (delay < untilNextWindow) {
                return Math.max(0, (long) Math.ceil(delay));
            }
        }
        if (current <= limit - 1) {
            return 0;
        }
        double intoNext = window - (double) (limit - 1) * window / current;
        return untilNextWindow + Math.max(0, (long) Math.ceil(intoNext));
    }

    /**
     * The decision for an admitted request, the counts including it: with quota left, reset is the
     * end of the current window; with none, when the next request would be admitted.
     */
    static Decision admitted(Policy policy, long index, long previous, long current, long elapsed, long window) {
        double estimate = estimate(previous, current, elapsed, window);
        long remaining = (long) Math.floor(policy.limit() - estimate);
        long reset = remaining > 0 ? window - elapsed : wait(policy.limit(), previous, current, elapsed, window);
        return new Decision(policy, true, remaining, reset, index);
    }
}
