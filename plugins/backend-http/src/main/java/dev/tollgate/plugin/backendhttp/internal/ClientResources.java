package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * What every service's HTTP client shares: one small thread pool, one Jetty scheduler for the
 * clients' own timeouts and one buffer pool. Few threads means few hand-offs and context
 * switches on the proxy path (the clients declare their work non-blocking, so Jetty runs most of
 * it on the selector thread that read the bytes).
 *
 * <p>Started by the first service that {@link #acquire acquires} it and stopped when the last one
 * {@link #release releases} it, so a configuration reload that replaces every service restarts
 * nothing. Each service's selector holds a pool thread for good, so the pool grows by one per
 * service. Thread-safe.
 */
final class ClientResources {
    private int threadsSetting;
    private int users;
    private QueuedThreadPool threads;
    private ScheduledExecutorScheduler scheduler;
    private ByteBufferPool buffers;

    /**
     * Takes a share, starting the resources for the first user.
     *
     * @param threads the {@code threads} plugin setting: the pool's size besides selectors; 0 for
     *        two per core, at least 4
     */
    synchronized void acquire(int threads) {
        if (users == 0) {
            threadsSetting = threads > 0 ? threads : Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
            QueuedThreadPool pool = new QueuedThreadPool(threadsSetting + 1, Math.min(2, threadsSetting));
            pool.setName("tollgate-http-backend");
            pool.setDaemon(true);
            ScheduledExecutorScheduler timer = new ScheduledExecutorScheduler("tollgate-http-backend-scheduler", true);
            try {
                pool.start();
                timer.start();
            }
            catch (Exception e) {
                LifeCycle.stop(pool);
                LifeCycle.stop(timer);
                throw new IllegalStateException("cannot start the HTTP backend's client threads", e);
            }
            this.threads = pool;
            this.scheduler = timer;
            this.buffers = new ArrayByteBufferPool();
        }
        users++;
        this.threads.setMaxThreads(threadsSetting + users);
    }

    /** Returns a share; the last one stops the threads. */
    synchronized void release() {
        if (users == 0) {
            return;
        }
        users--;
        if (users == 0) {
            LifeCycle.stop(threads);
            LifeCycle.stop(scheduler);
            threads = null;
            scheduler = null;
            buffers = null;
        }
        else {
            threads.setMaxThreads(threadsSetting + users);
        }
    }

    synchronized QueuedThreadPool threads() {
        return requireStarted(threads);
    }

    synchronized Scheduler scheduler() {
        return requireStarted(scheduler);
    }

    synchronized ByteBufferPool buffers() {
        return requireStarted(buffers);
    }

    private static <T> T requireStarted(T resource) {
        if (resource == null) {
            throw new IllegalStateException("the client resources are not acquired");
        }
        return resource;
    }
}
