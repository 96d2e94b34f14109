package dev.tollgate.runtime.io;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * A listener whose selectors are {@link EventLoop}s: each accepted connection's endpoint knows the
 * loop that reads it ({@link #eventLoopOf}), where a backend can register its upstream channels.
 *
 * <p>Its connections close with a lingering close: a connection the gateway closes after sending
 * its last bytes and its FIN (a response with {@code Connection: close}, a WebSocket close frame;
 * Jetty's HTTP/2 closes without a FIN first and is not concerned) while the client may still be
 * sending is not closed at once, but read and discarded until the client's FIN or the
 * {@linkplain #setLingeringTime lingering time}. Closed at once with unread bytes, the kernel would
 * answer with a reset and drop what it had not sent yet: a client still sending (a request body
 * the gateway answered early, a WebSocket client flooding messages) would lose the answer, or the
 * close frame with its code, to the reset.
 *
 * <p>Its HTTP connections (HTTP/1.1 and HTTP/2, in clear text and under TLS) coalesce their writes
 * within a selector's turn: a write on the selector's own thread while it works through the ready
 * keys (requests read, the responses of upstream connections read on this loop) waits until the
 * turn ends, when each such connection is flushed once. An HTTP/2 connection's flush gathers the
 * frames of every stream that completed meanwhile (one {@code writev} for several responses where
 * Jetty writes after each); across connections, the turn's responses leave in one burst, so the
 * client is woken once for them and reads them in one go — as the turn's upstream requests leave
 * together through the loop's {@link EventLoop#deferToEndOfTurn}. Only where the selector's thread
 * runs the turn's work itself (no reserved threads: {@link #setCoalesceWrites}).
 *
 * <p>Its connections keep read interest registered with the selector when Jetty drops it after a
 * read ({@link LazyReadKey}): an HTTP/1.1 connection stops reading while its request is answered
 * and reads again after, two {@code epoll_ctl} calls per request that are now made only when the
 * client sends while its connection is not reading.
 */
public final class LoopConnector extends ServerConnector {
    private final Map<ManagedSelector, SelectorEventLoop> loops = new ConcurrentHashMap<>();
    /** Channels that outlived their endpoints, read until the client closes them; closed at stop. */
    private final Set<LoopEndPoint> lingering = ConcurrentHashMap.newKeySet();
    private volatile long lingeringNanos = TimeUnit.SECONDS.toNanos(2);
    /**
     * At most this many at once: a lingering connection is no longer counted by Jetty (nor by
     * max-connections), so clients that make the gateway close on them cannot pile up sockets.
     */
    private volatile int maxLingering = 1024;
    private volatile boolean coalesceWrites;
    private final LongAdder coalescedFlushes = new LongAdder();

    /**
     * @param selectors the number of selectors, -1 for Jetty's default
     */
    public LoopConnector(Server server, int selectors, ConnectionFactory... factories) {
        super(server, -1, selectors, factories);
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SelectorEventLoop loop = loops.computeIfAbsent(selector, s -> new SelectorEventLoop(s, getName() + "/" + loops.size()));
        LoopEndPoint endPoint = new LoopEndPoint(channel, new LazyReadKey(key), getScheduler(), loop);
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }

    /**
     * How long a closed connection is still read (and what arrives discarded) waiting for the
     * client's FIN, when the gateway closed it after its own; zero closes at once.
     */
    public void setLingeringTime(Duration time) {
        requireNonNull(time, "time is null");
        if (time.isNegative()) {
            throw new IllegalArgumentException("lingering time is negative: " + time);
        }
        lingeringNanos = time.toNanos();
    }

    /**
     * Whether HTTP connections coalesce their writes within a selector's turn, and the loops defer
     * work to its end ({@link EventLoop#deferToEndOfTurn}). Only when the selector's thread keeps
     * producing and running the turn's tasks itself — Jetty's execution strategy with no reserved
     * threads — since a write is deferred only on the thread that will end the turn.
     */
    public void setCoalesceWrites(boolean coalesce) {
        coalesceWrites = coalesce;
    }

    /** How many writes waited for the end of a selector's turn (each then flushed what had queued). */
    public long coalescedFlushes() {
        return coalescedFlushes.sum();
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ServerConnectorManager(executor, scheduler, selectors) {
            @Override
            protected ManagedSelector newSelector(int id) {
                return new TurnSelector(this, id, () -> coalesceWrites);
            }
        };
    }

    /** How many connections may linger at once; beyond it a connection closes at once. */
    public void setMaxLingeringConnections(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max lingering connections is negative: " + max);
        }
        maxLingering = max;
    }

    /** Connections closed by the gateway whose channels are still read, waiting for the client's FIN. */
    public int lingeringConnections() {
        return lingering.size();
    }

    @Override
    protected void doStop() throws Exception {
        try {
            super.doStop();
        }
        finally {
            for (LoopEndPoint endPoint : lingering) {
                endPoint.stopLingering();
            }
        }
    }

    /**
     * The loop that reads a server connection: its network endpoint's, under TLS too; {@code null}
     * when it is not on a loop connector's endpoint.
     */
    public static EventLoop eventLoopOf(Connection connection) {
        EndPoint endPoint = connection == null ? null : connection.getEndPoint();
        if (endPoint instanceof SslConnection.SslEndPoint ssl) {
            endPoint = ssl.getSslConnection().getEndPoint();
        }
        return endPoint instanceof LoopEndPoint loop ? loop.loop() : null;
    }

    /** A client connection's socket, with the loop whose selector reads it. */
    private final class LoopEndPoint extends SocketChannelEndPoint {
        private final SelectorEventLoop loop;
        private final LazyReadKey key;
        /** A write waits for the end of the selector's turn (selector thread only). */
        private boolean deferred;
        private final Runnable flushDeferred = this::flushDeferred;
        /** The end of the turn is flushing this endpoint: writes go out (selector thread only). */
        private boolean flushingDeferred;
        /** The gateway sent its FIN (everything it wrote is in the kernel's hands, followed by it). */
        private volatile boolean outputShut;
        /** Non-null while lingering: what is read goes here and is dropped (under this). */
        private volatile ByteBuffer discard;
        private volatile Scheduler.Task lingeringEnd;

        LoopEndPoint(SocketChannel channel, LazyReadKey key, Scheduler scheduler, SelectorEventLoop loop) {
            super(channel, loop.selector(), key, scheduler);
            this.key = key;
            this.loop = loop;
        }

        /** The selector was rebuilt: the key wraps the channel's new key. */
        @Override
        public void replaceKey(SelectionKey newKey) {
            key.replace(newKey);
            super.replaceKey(key);
        }

        SelectorEventLoop loop() {
            return loop;
        }

        /**
         * Writes, or — an HTTP connection written on its selector's turn — reports the write
         * incomplete and has the selector complete it at the end of the turn.
         */
        @Override
        public boolean flush(ByteBuffer... buffers) throws IOException {
            if (!flushingDeferred && coalesceWrites && loop.selector() instanceof TurnSelector turn && turn.onTurn() && coalesced()) {
                if (!deferred) {
                    if (!turn.defer(flushDeferred)) {
                        return super.flush(buffers);
                    }
                    deferred = true;
                }
                return false;
            }
            return super.flush(buffers);
        }

        /**
         * Whether this connection's writes wait for the end of a turn: HTTP/2's and HTTP/1.1's
         * (but for a response with pipelined requests behind it, or after which the connection
         * closes), in clear text or under TLS (a WebSocket connection's do not, nor a connection
         * still negotiating its protocol). Under TLS the decrypted side's flush encrypts and
         * flushes this endpoint directly; when that reports the write incomplete, Jetty's TLS
         * connection writes what it encrypted through this endpoint's write flusher (or, after a
         * flush during a read, when read interest is asked for again), and that write completes at
         * the end of the turn like a clear-text one.
         */
        private boolean coalesced() {
            Connection connection = getConnection();
            if (connection instanceof SslConnection ssl) {
                connection = ssl.getSslEndPoint().getConnection();
            }
            if (connection instanceof HttpConnection http) {
                // A response with pipelined requests behind it, or one that ends the connection
                // (an error, Connection: close, HTTP/1.0), goes out at once, as Jetty expects: its
                // handling of a bad pipelined request races with the rest of the connection's
                // input when the previous response's write completes later.
                return http.isRequestBufferEmpty() && http.getGenerator().isPersistent();
            }
            return connection instanceof HTTP2Connection;
        }

        /** A write that waits for the turn's end needs no write interest; one the kernel did not take does. */
        @Override
        protected void onIncompleteFlush() {
            if (deferred && !flushingDeferred) {
                return;
            }
            super.onIncompleteFlush();
        }

        /** The end of the turn: the waiting write goes out (with what Jetty queued behind it). */
        void flushDeferred() {
            if (!deferred) {
                // Flushed already, by an upgrade.
                return;
            }
            coalescedFlushes.increment();
            completeDeferred();
        }

        private void completeDeferred() {
            deferred = false;
            flushingDeferred = true;
            try {
                getWriteFlusher().completeWrite();
            }
            finally {
                flushingDeferred = false;
            }
        }

        /**
         * A new protocol takes the connection: the old one's waiting write goes out first. Jetty
         * writes the 101 answer to an h2c upgrade and opens the HTTP/2 connection at once, whose
         * first frames would otherwise find that write still pending.
         */
        @Override
        public void upgrade(Connection newConnection) {
            if (deferred && !flushingDeferred) {
                completeDeferred();
            }
            super.upgrade(newConnection);
        }

        @Override
        protected void doShutdownOutput() {
            outputShut = true;
            super.doShutdownOutput();
        }

        /**
         * Closes the channel, or (after the gateway's FIN, the client's not read yet) keeps it open
         * to read until the client's FIN or the lingering time. Jetty has closed the endpoint either
         * way: the connection is gone for it (counted closed, its connection told).
         */
        @Override
        public void doClose() {
            long nanos = lingeringNanos;
            if (!outputShut || nanos <= 0 || lingering.size() >= maxLingering || !LoopConnector.this.isRunning()
                    || !getChannel().isOpen()) {
                super.doClose();
                return;
            }
            SocketChannel channel = getChannel();
            discard = ByteBuffer.allocate(16 * 1024);
            if (drained(channel)) {
                super.doClose();
                return;
            }
            lingering.add(this);
            try {
                lingeringEnd = getScheduler().schedule(this::stopLingering, nanos, TimeUnit.NANOSECONDS);
            }
            catch (RuntimeException e) {
                // The scheduler is stopping: so is the listener.
                stopLingering();
                return;
            }
            // The key stays registered with this endpoint as its attachment: onSelected drains it.
            // (SelectableChannelEndPoint.doClose only closes the channel; AbstractEndPoint's is empty.)
            needsFillInterest();
        }

        /**
         * While lingering the selector's readiness drains the channel instead of feeding Jetty:
         * Jetty's bookkeeping takes the ready operations out of the key's interest (its task, for a
         * closed endpoint, is dropped), and read interest is asked for again until the client's FIN.
         */
        @Override
        public Runnable onSelected() {
            key.dropUnwantedRead();
            Runnable task = super.onSelected();
            if (discard == null) {
                return task;
            }
            if (drained(getChannel())) {
                stopLingering();
            }
            else {
                needsFillInterest();
            }
            return null;
        }

        /** Reads what the client sent and drops it; true when it is done (its FIN, or a failure). */
        private synchronized boolean drained(SocketChannel channel) {
            try {
                for (int i = 0; i < 16; i++) {
                    discard.clear();
                    int read = channel.read(discard);
                    if (read < 0) {
                        return true;
                    }
                    if (read == 0) {
                        return false;
                    }
                }
                return false;
            }
            catch (IOException e) {
                return true;
            }
        }

        /** Ends lingering: closes the channel (any thread; at most once in effect). */
        void stopLingering() {
            if (!lingering.remove(this)) {
                return;
            }
            Scheduler.Task end = lingeringEnd;
            if (end != null) {
                end.cancel();
            }
            super.doClose();
        }
    }
}
