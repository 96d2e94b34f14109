package dev.tollgate.runtime.io;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A client connection's selection key as its Jetty endpoint sees it, keeping read interest
 * registered after the endpoint drops it. Jetty's read interest is one-shot: a selected
 * connection's read interest is removed, and asked for again when the connection wants to read
 * (for HTTP/1.1, once the response is written) — with level-triggered epoll that is two
 * {@code epoll_ctl} system calls per request. Here the key stays registered for reading; only if
 * the channel turns readable while the endpoint does not want to read (a pipelined request, the
 * client's FIN) is read interest really removed, by {@link #dropUnwantedRead}, until asked for again.
 *
 * <p>{@link #interestOps()} and {@link #readyOps()} are the endpoint's view: what it asked for, and
 * what is ready among it. Its interest is changed on the selector's thread only (Jetty's
 * {@code updateKey}); it may be read anywhere.
 */
final class LazyReadKey extends SelectionKey {
    private volatile SelectionKey key;
    /** What the endpoint asked for. */
    private volatile int interestOps;

    LazyReadKey(SelectionKey key) {
        this.key = key;
        this.interestOps = key.interestOps();
    }

    /** The selector was rebuilt: the same channel's key on the new one. */
    void replace(SelectionKey newKey) {
        key = newKey;
    }

    /**
     * On the selector's thread, before the endpoint looks at what is ready: when the channel is
     * readable but the endpoint does not want to read, stops asking the selector for it (level
     * triggered, it would report it at every select), and returns whether that was the case.
     */
    boolean dropUnwantedRead() {
        SelectionKey current = key;
        int wanted = interestOps;
        if ((wanted & OP_READ) == 0 && (current.readyOps() & OP_READ) != 0) {
            current.interestOps(wanted);
            return true;
        }
        return false;
    }

    @Override
    public SelectableChannel channel() {
        return key.channel();
    }

    @Override
    public Selector selector() {
        return key.selector();
    }

    @Override
    public boolean isValid() {
        return key.isValid();
    }

    @Override
    public void cancel() {
        key.cancel();
    }

    @Override
    public int interestOps() {
        return interestOps;
    }

    /** What the endpoint asks for; read interest already registered stays registered. */
    @Override
    public SelectionKey interestOps(int ops) {
        SelectionKey current = key;
        int registered = current.interestOps();
        int kept = ops | (registered & OP_READ);
        if (kept != registered) {
            current.interestOps(kept);
        }
        interestOps = ops;
        return this;
    }

    /** What is ready among what the endpoint asked for. */
    @Override
    public int readyOps() {
        return key.readyOps() & interestOps;
    }

    @Override
    public String toString() {
        return "LazyReadKey[" + key + ", wanted=" + interestOps + "]";
    }
}
