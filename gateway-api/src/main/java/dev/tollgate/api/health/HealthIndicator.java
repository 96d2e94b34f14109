package dev.tollgate.api.health;

/**
 * Reports a component's health on {@code /health}. Called on every health request, so it must
 * be cheap and must not block or do I/O: return state the component already tracks (a
 * connection's last known state, counts).
 */
@FunctionalInterface
public interface HealthIndicator {

    Health check();

    /**
     * Whether the gateway is not ready while this component is {@code DOWN}. A non-critical
     * component that is down makes the overall status {@code DEGRADED}, still ready.
     */
    default boolean critical() {
        return false;
    }
}
