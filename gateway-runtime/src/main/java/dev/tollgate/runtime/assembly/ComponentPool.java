package dev.tollgate.runtime.assembly;

import com.typesafe.config.ConfigObject;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.Upstreams;
import dev.tollgate.runtime.plugin.ComponentContext;
import dev.tollgate.runtime.plugin.ContextClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The components plugins created, across configuration generations: each is held by the
 * generations that use it and closed when the last one lets go, so a reload keeps every component
 * whose configuration did not change — with its connections, sessions and counters — and closes
 * the replaced ones only after the exchanges of the old generation have drained.
 *
 * <p>A component is reused when its {@link Key} is equal (same kind, place, plugin, type,
 * configuration and plugin settings) and what it looked up through its context — services, Redis
 * connections — is unchanged in the new generation ({@link ComponentContext#dependenciesUnchanged}).
 *
 * <p>Thread-safe; used at start-up and on reload, never on the request path.
 */
final class ComponentPool {
    private static final Logger LOG = LoggerFactory.getLogger(ComponentPool.class);

    private final Map<Key, Entry> current = new HashMap<>();

    /**
     * What makes two components the same.
     *
     * @param kind {@code filter}, {@code backend}, {@code endpoint}, {@code discovery}
     * @param place where it is used: a named instance's name, a route's id and position, a service's name
     * @param pluginId the plugin that offers it
     * @param type the factory's name
     * @param config its validated configuration (compared by value, not by where it was written)
     * @param pluginSettings the plugin's validated settings
     */
    record Key(String kind, String place, String pluginId, String type, ConfigObject config, ConfigObject pluginSettings) {
        Key {
            requireNonNull(kind, "kind is null");
            requireNonNull(place, "place is null");
            requireNonNull(pluginId, "pluginId is null");
            requireNonNull(type, "type is null");
            requireNonNull(config, "config is null");
            requireNonNull(pluginSettings, "pluginSettings is null");
        }
    }

    /** A live component equal to {@code key} whose dependencies are unchanged, now also held by the caller; or null. */
    synchronized <T extends AutoCloseable> Lease<T> reuse(Key key, Upstreams upstreams, Map<String, RedisSettings> redis) {
        Entry entry = current.get(key);
        if (entry == null || entry.holders == 0 || !entry.context.dependenciesUnchanged(upstreams, redis)) {
            return null;
        }
        entry.holders++;
        return new Lease<>(this, entry);
    }

    /** Adds a component just created, held by the caller. */
    synchronized <T extends AutoCloseable> Lease<T> add(Key key, T component, ComponentContext context, ClassLoader loader,
                                                      String description) {
        Entry entry = new Entry(key, component, context, loader, description);
        entry.holders = 1;
        current.put(key, entry);
        return new Lease<>(this, entry);
    }

    private void release(Entry entry) {
        synchronized (this) {
            if (--entry.holders > 0) {
                return;
            }
            current.remove(entry.key, entry);
        }
        close(entry);
    }

    private static void close(Entry entry) {
        try {
            ContextClassLoader.run(entry.loader, () -> {
                try {
                    entry.component.close();
                }
                catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        catch (RuntimeException e) {
            LOG.warn("Closing the {} failed", entry.description, e.getCause() != null ? e.getCause() : e);
        }
        entry.context.close();
    }

    /** Live components now. */
    synchronized int size() {
        return current.size();
    }

    /** One generation's hold on a component. */
    static final class Lease<T extends AutoCloseable> {
        private final ComponentPool pool;
        private final Entry entry;
        private boolean released;

        private Lease(ComponentPool pool, Entry entry) {
            this.pool = pool;
            this.entry = entry;
        }

        @SuppressWarnings("unchecked")
        T component() {
            return (T) entry.component;
        }

        String description() {
            return entry.description;
        }

        /** Lets go; the last holder closes the component. Idempotent. */
        void release() {
            if (!released) {
                released = true;
                pool.release(entry);
            }
        }
    }

    private static final class Entry {
        private final Key key;
        private final AutoCloseable component;
        private final ComponentContext context;
        private final ClassLoader loader;
        private final String description;
        private int holders;

        Entry(Key key, AutoCloseable component, ComponentContext context, ClassLoader loader, String description) {
            this.key = key;
            this.component = component;
            this.context = context;
            this.loader = loader;
            this.description = description;
        }
    }
}
