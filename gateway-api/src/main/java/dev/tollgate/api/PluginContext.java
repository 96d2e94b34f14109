package dev.tollgate.api;

import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.Upstreams;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The services the runtime lends to a plugin's components.
 *
 * <p>Each {@code create} call receives a context of its own, a view of the plugin's services for
 * the component it creates: everything it returns is the same for every component of the plugin,
 * except that {@link #shared} remembers which component asked, so that a plugin-wide resource
 * lives exactly as long as some component uses it (see {@link #shared}). Do not keep a context
 * beyond the component it was given for.
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

    /**
     * A plugin-wide resource — a JWKS cache, a Redis client, a pool of gRPC channels, the
     * WebSocket hub's connection table — shared by every component of this plugin that asks for
     * it with an equal {@code key}, and closed by the runtime when the last of those components is
     * closed.
     *
     * <p>The first call with a key calls {@code factory} (on the caller's thread, with the plugin's
     * class loader as context loader) and keeps what it returns; later calls with an equal key,
     * from this or any other component of the plugin, return the same instance. Each component
     * that asked holds a share until it is closed; when no component holds one any more, the
     * runtime closes the resource (with the plugin's class loader), after the component's own
     * {@code close}.
     *
     * <p>This is what makes a configuration reload cheap and smooth: the components of the new
     * configuration ask for the resources they need before the old ones are closed, so a resource
     * whose key did not change (a client built from unchanged settings) is handed over, open
     * connections, caches and sessions included, and one whose key changed is built anew while
     * the old one drains with the old components.
     *
     * <p>Choose the key so that it is equal exactly when the resource would be built the same: a
     * record of the settings it is built from, with a name for what it is, e.g.
     * {@code new JwksKey(jwksUrl, refreshInterval)}. Keys of different resources must never be
     * equal (a key equal to one of another type gets that resource, and a
     * {@link ClassCastException} at the call).
     *
     * <p>Thread-safe. Calling it after the component was closed fails with
     * {@link IllegalStateException}. If {@code factory} throws, nothing is kept and the exception
     * is rethrown.
     *
     * @param key equal for equal resources; must implement {@code equals} and {@code hashCode}
     * @param factory builds the resource; called at most once per key while the resource lives
     * @return the shared resource
     * @since 1.2
     */
    default <T extends AutoCloseable> T shared(Object key, Supplier<? extends T> factory) {
        throw new UnsupportedOperationException("shared");
    }

    /**
     * A Redis connection configured under {@code gateway.redis.<name>}, validated by the runtime.
     * Plugins that use Redis take a setting naming one ({@code redis = default}) and build their
     * own client from this, in their own class loader, usually as a {@link #shared} resource
     * keyed on the settings.
     *
     * @throws IllegalArgumentException when no Redis connection has that name; the message names
     *         the configured ones, for the plugin to report as a configuration error of its key
     * @since 1.2
     */
    default RedisSettings redis(String name) {
        throw new UnsupportedOperationException("redis");
    }

    /**
     * The names of the Redis connections under {@code gateway.redis}.
     *
     * @since 1.2
     */
    default Set<String> redisNames() {
        throw new UnsupportedOperationException("redisNames");
    }
}
