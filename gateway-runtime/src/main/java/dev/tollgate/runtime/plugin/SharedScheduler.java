package dev.tollgate.runtime.plugin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A plugin's handle on the runtime's scheduler: its tasks run with the plugin's class loader as
 * context loader and their exceptions are logged (a periodic task that throws is otherwise
 * silently cancelled); shutting it down is refused, since every plugin shares it.
 */
final class SharedScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private static final Logger LOG = LoggerFactory.getLogger(SharedScheduler.class);

    private final ScheduledExecutorService delegate;
    private final ClassLoader loader;
    private final String pluginId;

    SharedScheduler(ScheduledExecutorService delegate, ClassLoader loader, String pluginId) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        this.loader = requireNonNull(loader, "loader is null");
        this.pluginId = requireNonNull(pluginId, "pluginId is null");
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return delegate.schedule(wrap(command), delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        requireNonNull(callable, "callable is null");
        return delegate.schedule(() -> ContextClassLoader.call(loader, () -> {
            try {
                return callable.call();
            }
            catch (Exception e) {
                LOG.error("A scheduled task of plugin {} failed", pluginId, e);
                throw new IllegalStateException(e);
            }
        }), delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return delegate.scheduleAtFixedRate(wrap(command), initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return delegate.scheduleWithFixedDelay(wrap(command), initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        delegate.execute(wrap(command));
    }

    @Override
    public void shutdown() {
        throw new UnsupportedOperationException("the scheduler belongs to the runtime; cancel your tasks instead");
    }

    @Override
    public List<Runnable> shutdownNow() {
        throw new UnsupportedOperationException("the scheduler belongs to the runtime; cancel your tasks instead");
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }

    private Runnable wrap(Runnable command) {
        requireNonNull(command, "command is null");
        return () -> {
            ClassLoader previous = ContextClassLoader.enter(loader);
            try {
                command.run();
            }
            catch (RuntimeException | LinkageError e) {
                // Keep periodic tasks alive: one failed run must not cancel the schedule.
                LOG.error("A scheduled task of plugin {} failed", pluginId, e);
            }
            finally {
                ContextClassLoader.exit(previous);
            }
        };
    }
}
