package dev.tollgate.runtime.io;

import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A Jetty selector that knows its turns: the thread that selects, and work deferred to the end of
 * the current turn — writes that wait until the ready keys are handled, so that a turn's writes go
 * out together — run before it selects again.
 *
 * <p>Work is deferred only on the selecting thread. That thread keeps the selector only when it
 * runs the turn's tasks itself (Jetty's adaptive strategy with no reserved threads hands blocking
 * tasks to the pool and keeps producing), which is why deferring is off unless the listener says
 * so ({@code deferring}).
 */
final class TurnSelector extends ManagedSelector {
    private static final Logger LOG = LoggerFactory.getLogger(TurnSelector.class);

    private final BooleanSupplier deferring;
    /** What runs at the end of the turn; the selecting thread's only. */
    private final List<Runnable> deferred = new ArrayList<>();
    /** The thread selecting and working through the selected keys; only it defers work. */
    private volatile Thread thread;
    /** The selector whose end-of-turn work runs now; the selecting thread's only, null between. */
    private Selector endOfTurn;

    TurnSelector(SelectorManager manager, int id, BooleanSupplier deferring) {
        super(manager, id);
        this.deferring = deferring;
    }

    /** Whether the calling thread is the one selecting (and working through the selected keys). */
    boolean onTurn() {
        return thread == Thread.currentThread();
    }

    /**
     * Runs {@code task} at the end of the current turn when called on the selecting thread with
     * deferring on; otherwise returns false and leaves it to the caller.
     */
    boolean defer(Runnable task) {
        if (thread != Thread.currentThread() || !deferring.getAsBoolean()) {
            return false;
        }
        deferred.add(task);
        return true;
    }

    /**
     * Jetty counts the selector as selecting from before {@link #nioSelect} runs the end-of-turn
     * work, so an update that work submits (a connection done with its response asks to read the
     * next request) would wake the selector: an eventfd write, and a read to clear it, for the very
     * thread that is about to select. On that thread, then, the update is applied at once, as
     * Jetty would apply it before selecting.
     */
    @Override
    public void submit(SelectorUpdate update) {
        Selector selector = thread == Thread.currentThread() ? endOfTurn : null;
        if (selector == null) {
            super.submit(update);
            return;
        }
        try {
            update.update(selector);
        }
        catch (Throwable failure) {
            LOG.warn("Cannot update selector {}", this, failure);
        }
    }

    @Override
    protected int nioSelect(Selector selector, boolean now) throws IOException {
        thread = Thread.currentThread();
        if (deferred.isEmpty()) {
            return super.nioSelect(selector, now);
        }
        // The end of a turn: run what waited (what it defers in turn is appended and runs too),
        // then look again without blocking (the writes may have completed work that produced more).
        endOfTurn = selector;
        try {
            for (int i = 0; i < deferred.size(); i++) {
                try {
                    deferred.get(i).run();
                }
                catch (Throwable failure) {
                    LOG.warn("Work deferred to the end of a selector's turn failed", failure);
                }
            }
        }
        finally {
            endOfTurn = null;
        }
        deferred.clear();
        return selector.selectNow();
    }
}
