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
 * <p>A plugin-wide shared resource: started for the first service and stopped by the runtime when
 * no service of any live configuration uses it. Each service's two selectors (Jetty's client, and
 * the gateway's own HTTP/1.1 connections) hold a pool thread each for good, so the pool grows by
 * two per service ({@link #clientStarted}/{@link #clientStopped}).
 * Thread-safe.
 */
final class ClientResources implements AutoCloseable {
    private static final int SELECTORS_PER_SERVICE = 2;
    private final int threadsSetting;
    private final QueuedThreadPool threads;
    private final ScheduledExecutorScheduler scheduler;
    private final ByteBufferPool buffers = new ArrayByteBufferPool();
    private int clients;

    /** What the resources are keyed on: the {@code threads} plugin setting. */
    record Key(int threads) {
    }

    private ClientResources(int threadsSetting, QueuedThreadPool threads, ScheduledExecutorScheduler scheduler) {
        this.threadsSetting = threadsSetting;
        this.threads = threads;
        this.scheduler = scheduler;
    }

    /**
     * Starts the threads.
     *
     * @param threads the {@code threads} plugin setting: the pool's size besides selectors; 0 for
     *        two per core, at least 4
     */
    static ClientResources start(int threads) {
        int size = threads > 0 ? threads : Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        QueuedThreadPool pool = new QueuedThreadPool(size + SELECTORS_PER_SERVICE, Math.min(2, size));
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
        return new ClientResources(size, pool, timer);
    }

    /** A service's clients started: they hold two more pool threads (their selectors). */
    synchronized void clientStarted() {
        clients++;
        threads.setMaxThreads(threadsSetting + SELECTORS_PER_SERVICE * Math.max(1, clients));
    }

    /** A service's client stopped. */
    synchronized void clientStopped() {
        clients = Math.max(0, clients - 1);
        threads.setMaxThreads(threadsSetting + SELECTORS_PER_SERVICE * Math.max(1, clients));
    }

    QueuedThreadPool threads() {
        return threads;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    ByteBufferPool buffers() {
        return buffers;
    }

    @Override
    public void close() {
        LifeCycle.stop(threads);
        LifeCycle.stop(scheduler);
    }
}
