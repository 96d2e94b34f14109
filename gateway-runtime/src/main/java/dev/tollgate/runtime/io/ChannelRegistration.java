package dev.tollgate.runtime.io;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * A plugin's channel on a Jetty selector: the {@link ManagedSelector.Selectable} that the selector
 * asks what to do when the channel is ready, with one-shot interest kept as Jetty's own endpoints
 * keep it (the key's interest set changed between selects only, on the selector's thread, and
 * only when it differs). The handler runs as a non-blocking task: on the selector's thread,
 * before it selects again.
 */
final class ChannelRegistration implements ManagedSelector.Selectable, EventLoop.Registration {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelRegistration.class);

    private static final ManagedSelector.SelectorUpdate WAKE_UP = selector -> { };

    private final SelectorEventLoop loop;
    private final SocketChannel channel;
    private final EventLoop.ReadyHandler handler;
    private final ManagedSelector.SelectorUpdate updateKey = selector -> updateKey();
    /** Runs the handler with what {@link #onSelected} found ready; on the selector's thread. */
    private final Invocable.Task ready = new Invocable.Task() {
        @Override
        public void run() {
            int ops = readyOps;
            readyOps = 0;
            try {
                handler.ready(ops);
            }
            catch (Throwable failure) {
                LOG.warn("The ready handler of {} failed", channel, failure);
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    };
    /** Guarded by this. */
    private SelectionKey key;
    private int desiredOps;
    private int keyOps;
    private boolean updatePending;
    private boolean cancelled;
    /** Written by onSelected and read by the task it returns, on the selector's thread. */
    private int readyOps;

    ChannelRegistration(SelectorEventLoop loop, SocketChannel channel, EventLoop.ReadyHandler handler) {
        this.loop = loop;
        this.channel = channel;
        this.handler = handler;
    }

    /** On the selector's thread: joins the selector with what was asked for meanwhile. */
    void register(Selector selector) {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            try {
                key = channel.register(selector, desiredOps, this);
                keyOps = desiredOps;
            }
            catch (ClosedChannelException | CancelledKeyException e) {
                cancelled = true;
            }
        }
    }

    @Override
    public void interest(int ops) {
        boolean submit;
        synchronized (this) {
            int desired = desiredOps | ops;
            if (cancelled || desired == desiredOps) {
                return;
            }
            desiredOps = desired;
            // Before registration, register() takes the desired ops; while an update is pending,
            // updateKey() will.
            submit = key != null && !updatePending && desired != keyOps;
            if (submit) {
                updatePending = true;
            }
        }
        if (submit) {
            loop.selector().submit(updateKey);
        }
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public void cancel() {
        SelectionKey registered;
        synchronized (this) {
            cancelled = true;
            registered = key;
        }
        if (registered != null) {
            registered.cancel();
            // Wakes the selector if it is waiting, so that it drops the key now: a closed channel's
            // socket is released when its key leaves the selector.
            loop.selector().submit(WAKE_UP);
        }
    }

    @Override
    public Runnable onSelected() {
        int delivered;
        synchronized (this) {
            updatePending = true;
            int ready = key.readyOps();
            delivered = ready & desiredOps;
            desiredOps &= ~ready;
            if (cancelled) {
                delivered = 0;
            }
        }
        if (delivered == 0) {
            return null;
        }
        readyOps = delivered;
        return ready;
    }

    @Override
    public void updateKey() {
        synchronized (this) {
            updatePending = false;
            if (cancelled || key == null || keyOps == desiredOps) {
                return;
            }
            try {
                key.interestOps(desiredOps);
                keyOps = desiredOps;
            }
            catch (CancelledKeyException e) {
                cancelled = true;
            }
        }
    }

    @Override
    public void replaceKey(SelectionKey newKey) {
        synchronized (this) {
            key = newKey;
        }
    }

    @Override
    public synchronized String toString() {
        return "ChannelRegistration[" + channel + " on " + loop + ", desired=" + desiredOps + ", key=" + keyOps
                + (cancelled ? ", cancelled" : "") + "]";
    }
}
