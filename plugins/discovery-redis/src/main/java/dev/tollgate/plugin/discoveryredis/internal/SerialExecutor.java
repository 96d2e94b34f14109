package dev.tollgate.plugin.discoveryredis.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

import static java.util.Objects.requireNonNull;

/**
 * Runs tasks one at a time, in submission order, on a shared executor (the pattern of
 * {@link Executor}'s javadoc): state touched only from its tasks needs no locks, and no thread
 * is owned. A task that throws is logged and does not stop the tasks after it. Thread-safe.
 */
public final class SerialExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor executor;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private Runnable active;

    public SerialExecutor(Executor executor) {
        this.executor = requireNonNull(executor, "executor is null");
    }

    /**
     * Queues {@code task}.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the shared executor refuses work (it was shut down)
     */
    @Override
    public synchronized void execute(Runnable task) {
        requireNonNull(task, "task is null");
        tasks.add(() -> {
            try {
                task.run();
            }
            catch (RuntimeException e) {
                LOG.error("Discovery task failed", e);
            }
            finally {
                next();
            }
        });
        if (active == null) {
            next();
        }
    }

    private synchronized void next() {
        active = tasks.poll();
        if (active != null) {
            try {
                executor.execute(active);
            }
            catch (RuntimeException e) {
                tasks.clear();
                active = null;
                throw e;
            }
        }
    }
}
