package dev.tollgate.api.io;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One of the gateway's I/O event loops: a selector and the thread that runs it, which reads and
 * writes the client connections accepted on it. A backend that opens its own connections can
 * register them here, on the loop of the client connection they serve, so that the upstream
 * response is read by the thread that read the request — one wake-up per exchange instead of
 * one per selector, as nginx's workers and Envoy's worker threads do.
 *
 * <p>Readiness is one-shot, as in Jetty's fill interest: {@link Registration#interest} asks to be
 * told once when the channel is ready for some operations, and {@link ReadyHandler#ready} tells
 * it, on the loop's thread, and clears them. The channel stays the caller's: it reads, writes and
 * closes it itself, with the non-blocking calls of {@link SocketChannel}.
 *
 * <p>Thread-safe. Loops live as long as the listener they belong to; a registration outlives
 * neither.
 *
 * @since 1.3
 */
public interface EventLoop {
    /**
     * Registers a non-blocking channel (connected, or with a connect under way) with this loop,
     * with no interest yet. The registration itself happens on the loop's thread, shortly after;
     * interest asked for before is kept for it.
     *
     * @param channel a channel in non-blocking mode; the caller keeps owning it
     * @param handler told, on the loop's thread, which of the operations asked for are ready
     * @return the registration, to ask for readiness and to cancel
     * @throws IllegalArgumentException if the channel is in blocking mode
     */
    Registration register(SocketChannel channel, ReadyHandler handler);

    /**
     * Runs {@code task} at the end of this loop's current turn — once the ready channels the turn
     * found are handled, before the loop waits for more — when called on the loop's own thread
     * during a turn (from a {@link ReadyHandler}, or from anything the loop runs for a client
     * connection); returns {@code false}, without running it, anywhere else or when the loop does
     * not defer work (it then runs the turn's tasks on other threads too).
     *
     * <p>It is for writes: a connection written on the loop's thread can wait for the turn's end
     * and go out then, with whatever else was written to it meanwhile, so that a turn that served
     * many requests sends them in one burst and wakes each peer once for it (an upstream server
     * reads a batch of requests per wake-up instead of one). The task must not block; it may
     * write, and what it causes to be deferred in turn runs in the same turn's end. A task that
     * throws is logged and does not stop the others.
     *
     * @param task what to run when the turn ends, on the loop's thread
     * @return whether the task will run at the end of the current turn
     * @since 1.3
     */
    default boolean deferToEndOfTurn(Runnable task) {
        return false;
    }

    /** Told when a registered channel is ready. */
    @FunctionalInterface
    interface ReadyHandler {
        /**
         * The channel is ready for {@code readyOps}, among those asked for
         * ({@link SelectionKey#OP_READ}, {@link SelectionKey#OP_WRITE},
         * {@link SelectionKey#OP_CONNECT}); they are no longer asked for. Called on the loop's
         * thread, which serves many connections: it must not block (hand blocking work to an
         * executor) and should not take long.
         */
        void ready(int readyOps);
    }

    /** A channel's registration with a loop. Thread-safe. */
    interface Registration {
        /**
         * Asks to be told once when the channel is ready for {@code ops} (any of
         * {@link SelectionKey#OP_READ}, {@link SelectionKey#OP_WRITE},
         * {@link SelectionKey#OP_CONNECT}), added to what is already asked for. Cheap when it
         * is already asked for; does nothing after {@link #cancel}.
         */
        void interest(int ops);

        /** The loop the channel is registered with. */
        EventLoop loop();

        /**
         * Takes the channel off the loop: no more {@link ReadyHandler#ready} calls after the
         * current one. Does not close the channel (closing it also takes it off).
         */
        void cancel();
    }
}
