package dev.tollgate.api;

import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.upstream.Upstreams;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The services the runtime lends to a plugin's components. One context per plugin; every
 * factory of that plugin receives the same one.
 *
 * <p>Each method is a default that throws {@link UnsupportedOperationException} so that this
 * interface can grow in a minor release without breaking other implementations (test
 * contexts, embedders). The gateway runtime implements all of them.
 *
 * <p>Everything returned is thread-safe and owned by the runtime: plugins use it but never
 * shut it down.
 */
public interface PluginContext {

    /** The plugin's id, from its {@code plugin.properties}. */
    default String pluginId() {
        throw new UnsupportedOperationException("pluginId");
    }

    /**
     * The plugin-wide settings: {@code gateway.plugins.<id>} merged over the plugin's
     * {@code reference.conf} section {@code tollgate.plugins.<id>}.
     */
    default PluginConfig settings() {
        throw new UnsupportedOperationException("settings");
    }

    /** Metrics, named under this plugin's id and exported on {@code /metrics}. */
    default Metrics metrics() {
        throw new UnsupportedOperationException("metrics");
    }

    /**
     * A scheduler for timers and periodic work. Tasks must be short and must not block: the
     * pool is small and shared by every plugin. Blocking work goes to {@link #blockingExecutor()}.
     */
    default ScheduledExecutorService scheduler() {
        throw new UnsupportedOperationException("scheduler");
    }

    /**
     * A bounded executor for the rare work that must block (reading a file, a synchronous
     * library call). Never use it on the request path when a non-blocking way exists.
     */
    default Executor blockingExecutor() {
        throw new UnsupportedOperationException("blockingExecutor");
    }

    /**
     * The gateway's event bus: the in-memory one by default, or the bridge that
     * {@code gateway.events.bridge} selects.
     */
    default EventBus eventBus() {
        throw new UnsupportedOperationException("eventBus");
    }

    /** The clock to read time from (a fixed clock in tests). */
    default Clock clock() {
        throw new UnsupportedOperationException("clock");
    }

    /** A directory this plugin may write to; it exists and survives restarts. */
    default Path dataDirectory() {
        throw new UnsupportedOperationException("dataDirectory");
    }

    /**
     * Adds a component to {@code /health}. {@code name} is shown as given, under the plugin's
     * id; a component that reports {@code DOWN} and is marked critical makes the gateway not ready.
     */
    default void registerHealth(String name, HealthIndicator indicator) {
        throw new UnsupportedOperationException("registerHealth");
    }

    /**
     * The registry of services and their instances, with health, circuit breakers and load
     * balancing; backends choose an instance for each attempt through it.
     *
     * @since 1.1
     */
    default Upstreams upstreams() {
        throw new UnsupportedOperationException("upstreams");
    }
}
