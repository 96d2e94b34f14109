package dev.tollgate.runtime.plugin;

import java.util.function.Supplier;

/**
 * Runs plugin code with the plugin's class loader as the thread's context class loader, as
 * libraries inside plugins (ServiceLoader users, serialisers) expect, and restores the previous
 * one afterwards.
 */
public final class ContextClassLoader {
    private ContextClassLoader() {
    }

    public static void run(ClassLoader loader, Runnable action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            action.run();
        }
        finally {
            thread.setContextClassLoader(previous);
        }
    }

    public static <T> T call(ClassLoader loader, Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return action.get();
        }
        finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Wraps a task so that it runs under {@code loader}. */
    public static Runnable wrap(ClassLoader loader, Runnable task) {
        return () -> run(loader, task);
    }
}
