package dev.tollgate.runtime;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The bounded executor for the rare blocking work of the runtime and plugins
 * ({@link dev.tollgate.api.PluginContext#blockingExecutor()}): connecting to Redis, loading key
 * stores, resolving a host name for a TCP probe.
 *
 * <p>A {@link ThreadPoolExecutor} adds threads beyond its core size only when its queue is full,
 * so a pool of "0 to N threads over a queue of 1 024" runs one task at a time until 1 024 wait.
 * This one has N core threads that time out when idle: up to N tasks run at once, more wait in
 * the bounded queue, and beyond it a task is refused ({@link java.util.concurrent.RejectedExecutionException}),
 * never run on the caller's (possibly I/O) thread.
 */
final class BlockingExecutor {
    private BlockingExecutor() {
    }

    /**
     * @param threads tasks that may run at once
     * @param queue tasks that may wait
     */
    static ThreadPoolExecutor create(int threads, int queue, ThreadFactory threadFactory) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), threadFactory);
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
