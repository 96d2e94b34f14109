package dev.tollgate.api.health;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A component's state on {@code /health}.
 *
 * @param status up, degraded (working with reduced capability) or down
 * @param details small JSON-like facts shown with it (counts, the last error)
 */
public record Health(Status status, Map<String, Object> details) {

    public Health {
        requireNonNull(status, "status is null");
        details = Map.copyOf(requireNonNull(details, "details is null"));
    }

    public static Health up() {
        return new Health(Status.UP, Map.of());
    }

    public static Health up(Map<String, Object> details) {
        return new Health(Status.UP, details);
    }

    public static Health degraded(String reason) {
        return new Health(Status.DEGRADED, Map.of("reason", reason));
    }

    public static Health down(String reason) {
        return new Health(Status.DOWN, Map.of("reason", reason));
    }

    /** Ordered from best to worst. */
    public enum Status {
        UP, DEGRADED, DOWN;

        /** The worse of two statuses. */
        public Status worst(Status other) {
            return compareTo(other) >= 0 ? this : other;
        }
    }
}
