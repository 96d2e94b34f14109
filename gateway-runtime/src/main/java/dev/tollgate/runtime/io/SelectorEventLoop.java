package dev.tollgate.runtime.io;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.io.ManagedSelector;

import java.nio.channels.SocketChannel;

import static java.util.Objects.requireNonNull;

/**
 * An {@link EventLoop} on one of a listener's Jetty selectors: a channel registered here is
 * selected and handled by the thread that runs that selector, among the listener's client
 * connections. Thread-safe.
 */
public final class SelectorEventLoop implements EventLoop {
    private final ManagedSelector selector;
    private final String name;

    /**
     * @param selector the Jetty selector
     * @param name what {@link #toString} shows: the listener and the selector's index
     */
    public SelectorEventLoop(ManagedSelector selector, String name) {
        this.selector = requireNonNull(selector, "selector is null");
        this.name = requireNonNull(name, "name is null");
    }

    @Override
    public Registration register(SocketChannel channel, ReadyHandler handler) {
        requireNonNull(channel, "channel is null");
        requireNonNull(handler, "handler is null");
        if (channel.isBlocking()) {
            throw new IllegalArgumentException("the channel is in blocking mode: " + channel);
        }
        ChannelRegistration registration = new ChannelRegistration(this, channel, handler);
        selector.submit(registration::register);
        return registration;
    }

    /** At the end of the selector's turn, when it is a listener's with deferring on (see {@link TurnSelector}). */
    @Override
    public boolean deferToEndOfTurn(Runnable task) {
        requireNonNull(task, "task is null");
        return selector instanceof TurnSelector turn && turn.defer(task);
    }

    ManagedSelector selector() {
        return selector;
    }

    @Override
    public String toString() {
        return "EventLoop[" + name + "]";
    }
}
