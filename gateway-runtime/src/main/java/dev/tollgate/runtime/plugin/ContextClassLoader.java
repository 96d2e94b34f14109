package dev.tollgate.runtime.plugin;

import java.util.function.Supplier;

/**
 * Runs plugin code with the plugin's class loader as the thread's context class loader, as
 * libraries inside plugins (ServiceLoader users, serialisers) expect, and restores the previous
 * one afterwards. The one place the runtime swaps context loaders.
 *
 * <p>{@link #enter}/{@link #exit} are the allocation-free form for the request path:
 * <pre>{@code
 * ClassLoader previous = ContextClassLoader.enter(loader);
 * try { … } finally { ContextClassLoader.exit(previous); }
 * }</pre>
 */
public final class ContextClassLoader {
    private ContextClassLoader() {
    }

    /**
     * Makes {@code loader} the current thread's context class loader (unless it is {@code null},
     * which keeps the current one) and returns the one to restore with {@link #exit}.
     */
    public static ClassLoader enter(ClassLoader loader) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        if (loader != null && loader != previous) {
            thread.setContextClassLoader(loader);
        }
        return previous;
    }

    /** Restores the context class loader {@link #enter} returned. */
    public static void exit(ClassLoader previous) {
        Thread thread = Thread.currentThread();
        if (thread.getContextClassLoader() != previous) {
            thread.setContextClassLoader(previous);
        }
    }

    public static void run(ClassLoader loader, Runnable action) {
        ClassLoader previous = enter(loader);
        try {
            action.run();
        }
        finally {
            exit(previous);
        }
    }

    public static <T> T call(ClassLoader loader, Supplier<T> action) {
        ClassLoader previous = enter(loader);
        try {
            return action.get();
        }
        finally {
            exit(previous);
        }
    }

    /** Wraps a task so that it runs under {@code loader}. */
    public static Runnable wrap(ClassLoader loader, Runnable task) {
        return () -> run(loader, task);
    }
}
