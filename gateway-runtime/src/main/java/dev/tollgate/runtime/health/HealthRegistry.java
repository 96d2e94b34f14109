package dev.tollgate.runtime.health;

import dev.tollgate.api.health.Health;
import dev.tollgate.api.health.HealthIndicator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import static java.util.Objects.requireNonNull;

/**
 * The components shown on {@code /health} and what readiness depends on.
 *
 * <p>The overall status is the worst of the components, except that a non-critical component
 * that is down only degrades it. The gateway is ready when it has started, is not shutting
 * down, and no critical component is down.
 */
public final class HealthRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(HealthRegistry.class);

    private final Map<String, HealthIndicator> indicators = new ConcurrentSkipListMap<>();
    private volatile boolean started;
    private volatile boolean stopping;

    /**
     * Adds a component, or replaces the one of that name: during a reload the component of the
     * new configuration takes the name over while the old one drains.
     */
    public void register(String name, HealthIndicator indicator) {
        indicators.put(requireNonNull(name, "name is null"), requireNonNull(indicator, "indicator is null"));
    }

    public void unregister(String name) {
        indicators.remove(name);
    }

    /** Removes the component of that name only if it is still {@code indicator} (nobody replaced it since). */
    public void unregister(String name, HealthIndicator indicator) {
        indicators.remove(name, indicator);
    }

    public void started() {
        started = true;
    }

    public void stopping() {
        stopping = true;
    }

    /** A snapshot of every component and the overall verdict. */
    public Report report() {
        Map<String, Health> components = new LinkedHashMap<>();
        Health.Status overall = Health.Status.UP;
        boolean criticalDown = false;
        for (Map.Entry<String, HealthIndicator> entry : indicators.entrySet()) {
            HealthIndicator indicator = entry.getValue();
            Health health;
            try {
                health = indicator.check();
            }
            catch (RuntimeException e) {
                LOG.warn("Health check of {} failed", entry.getKey(), e);
                health = Health.down("health check failed: " + e);
            }
            components.put(entry.getKey(), health);
            if (health.status() == Health.Status.DOWN && indicator.critical()) {
                criticalDown = true;
                overall = Health.Status.DOWN;
            }
            else {
                overall = overall.worst(health.status() == Health.Status.DOWN ? Health.Status.DEGRADED : health.status());
            }
        }
        boolean ready = started && !stopping && !criticalDown;
        if (!started || stopping) {
            overall = Health.Status.DOWN;
        }
        return new Report(overall, ready, stopping, Map.copyOf(components));
    }

    /**
     * @param status the overall status
     * @param ready whether traffic should be sent here
     */
    public record Report(Health.Status status, boolean ready, boolean stopping, Map<String, Health> components) {
    }
}
