package dev.tollgate.runtime.plugin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static java.util.Collections.newSetFromMap;
import static java.util.Objects.requireNonNull;

/**
 * One plugin's shared resources ({@link dev.tollgate.api.PluginContext#shared}): each lives
 * while some holder (a component's context) holds it, and is closed, with the plugin's class
 * loader, when the last holder lets go.
 *
 * <p>Thread-safe. A resource's factory runs under the lock of this plugin's resources (start-up
 * and reload only, never the request path), so two components asking for one key at once get one
 * resource; a factory must not itself ask for a shared resource of the same plugin from another
 * thread.
 */
public final class SharedResources {
    private static final Logger LOG = LoggerFactory.getLogger(SharedResources.class);

    private final String pluginId;
    private final ClassLoader loader;
    private final Map<Object, Entry> entries = new HashMap<>();
    private final ThreadLocal<Entry> creating = new ThreadLocal<>();

    public SharedResources(String pluginId, ClassLoader loader) {
        this.pluginId = requireNonNull(pluginId, "pluginId is null");
        this.loader = requireNonNull(loader, "loader is null");
    }

    /** The resource of {@code key}, created with {@code factory} if none lives; {@code holder} holds it from now on. */
    @SuppressWarnings("unchecked")
    public synchronized <T extends AutoCloseable> T acquire(Object key, Supplier<? extends T> factory, Object holder) {
        requireNonNull(key, "key is null");
        requireNonNull(factory, "factory is null");
        Entry entry = entries.get(key);
        if (entry == null) {
            entry = new Entry(key);
            Entry outer = creating.get();
            creating.set(entry);
            T created;
            try {
                created = ContextClassLoader.call(loader, factory);
            }
            finally {
                creating.set(outer);
            }
            if (created == null) {
                throw new IllegalStateException("the factory of shared resource " + key + " of plugin " + pluginId + " returned null");
            }
            entry.resource = created;
            entries.put(key, entry);
        }
        entry.holders.add(holder);
        return (T) entry.resource;
    }

    /**
     * The resource being created on this thread, if a shared factory is running here: what the
     * factory registers (health) belongs to the resource, not to the component that asked.
     */
    Entry creatingOnThisThread() {
        return creating.get();
    }

    /** {@code holder} lets go of everything it holds; resources nobody holds any more are closed. */
    public void releaseAll(Object holder) {
        java.util.List<Entry> unused = new java.util.ArrayList<>();
        synchronized (this) {
            for (var iterator = entries.values().iterator(); iterator.hasNext(); ) {
                Entry entry = iterator.next();
                if (entry.holders.remove(holder) && entry.holders.isEmpty()) {
                    iterator.remove();
                    unused.add(entry);
                }
            }
        }
        for (Entry entry : unused) {
            close(entry);
        }
    }

    /** Closes every resource (the gateway stops). */
    public void closeAll() {
        java.util.List<Entry> all;
        synchronized (this) {
            all = new java.util.ArrayList<>(entries.values());
            entries.clear();
        }
        for (Entry entry : all) {
            close(entry);
        }
    }

    /** Resources alive now. */
    public synchronized int size() {
        return entries.size();
    }

    private void close(Entry entry) {
        try {
            ContextClassLoader.run(loader, () -> {
                try {
                    entry.resource.close();
                }
                catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            entry.closed();
        }
        catch (RuntimeException e) {
            LOG.warn("Closing shared resource {} of plugin {} failed", entry.key, pluginId, e);
        }
    }

    /** A resource and who holds it; also the owner of what its factory registered. */
    static final class Entry {
        private final Object key;
        private final Set<Object> holders = newSetFromMap(new IdentityHashMap<>());
        private final java.util.List<Runnable> onClose = new java.util.concurrent.CopyOnWriteArrayList<>();
        private AutoCloseable resource;

        Entry(Object key) {
            this.key = key;
        }

        /** Runs {@code action} once the resource is closed. */
        void onClose(Runnable action) {
            onClose.add(action);
        }

        private void closed() {
            for (Runnable action : onClose) {
                action.run();
            }
        }

        @Override
        public String toString() {
            return "shared resource " + key;
        }
    }
}
