package dev.tollgate.runtime.websocket;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.websocket.WebSocketMessage;
import dev.tollgate.api.websocket.WebSocketSession;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

import static java.util.Objects.requireNonNull;

/**
 * A {@link WebSocketSession} over Jetty's core session, with the gateway's own outgoing queue.
 *
 * <h2>Sending only queues</h2>
 * {@link #send} appends to the session's queue, bounded in bytes and messages, under the
 * session's monitor (uncontended but for the connection's own completions: no callback, no
 * allocation beyond the queue's array, no retry loop). The queue is a ring allocated on the first
 * message and dropped when it empties, so an idle session holds none.
 *
 * <h2>The connection's turn</h2>
 * One thread at a time writes: the sender that found the session idle, or the completion of the
 * previous write. It hands Jetty everything queued at that moment, the frames before the last
 * marked "batch" so that Jetty's flusher gathers them with the last one into one network write,
 * and takes the next turn when Jetty has completed all of them. A turn that completes at once
 * (the socket took it) loops instead of recursing. Payloads are sliced views of the shared,
 * pre-encoded {@link WebSocketMessage}: sending to N sessions copies nothing.
 *
 * <p>{@link #queuedBytes()} and {@link #queuedMessages()} count what is queued and what Jetty has
 * not completed yet. {@link WebSocketSession.Overflow#DROP_OLDEST} evicts only messages not yet
 * handed to Jetty.
 */
final class GatewaySession implements WebSocketSession, Callback {
    static final String IDLE_TIMEOUT_REASON = "idle timeout";
    private static final WebSocketMessage[] NO_MESSAGES = new WebSocketMessage[0];
    private static final int FIRST_RING_SIZE = 4;

    private final long id;
    private final Exchange exchange;
    private final CoreSession coreSession;
    private final WebSocketSettings settings;
    private final SessionStatistics statistics;
    // Guarded by this: the queue (ring, head, count) whose first handedOff messages Jetty holds.
    private WebSocketMessage[] ring = NO_MESSAGES;
    private int head;
    /** Written under this; read without it by {@link #queuedMessages()}. */
    private volatile int count;
    private int handedOff;
    /** A turn is under way: frames are with Jetty, or a thread is handing them over. */
    private boolean writing;
    /** A thread is in {@link #writeTurns}; a completion then leaves the next turn to it. */
    private boolean turning;
    /** The connection is gone; written under this. */
    private volatile boolean closed;
    private boolean closeSent;
    private boolean idleTimedOut;
    /** Written under this, read without it. */
    private volatile long queuedBytes;
    private volatile int closeCode;
    private String closeReason;
    /** When a frame of any kind (message, pong, ping, close) last arrived: what the idle timeout counts. */
    volatile long lastReceivedNanos = System.nanoTime();
    volatile long lastPingNanos;
    /** When {@link #closeIdle} started the closing handshake; 0 before. */
    volatile long idleCloseNanos;

    /** @param id the session's number, unique in the process: its {@link #id()} is {@code ws-<id>} */
    GatewaySession(long id, Exchange exchange, CoreSession coreSession, WebSocketSettings settings, SessionStatistics statistics) {
        this.id = id;
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.coreSession = requireNonNull(coreSession, "coreSession is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.statistics = requireNonNull(statistics, "statistics is null");
    }

    @Override
    public String id() {
        return "ws-" + id;
    }

    @Override
    public Exchange exchange() {
        return exchange;
    }

    WebSocketSettings settings() {
        return settings;
    }

    @Override
    public boolean send(WebSocketMessage message, Overflow overflow) {
        requireNonNull(message, "message is null");
        int size = message.size();
        synchronized (this) {
            if (closed || closeCode != 0) {
                return false;
            }
            if (!fits(size)) {
                if (overflow == Overflow.REJECT || size > settings.maxQueuedBytes()) {
                    statistics.rejected.increment();
                    return false;
                }
                // Evict the oldest not yet handed to Jetty; what Jetty holds stays (and may overshoot the bound).
                while (!fits(size) && count > handedOff) {
                    WebSocketMessage oldest = removeQueued(handedOff);
                    release(oldest.size());
                    statistics.dropped.increment();
                }
            }
            append(message);
            queuedBytes += size;
            statistics.queuedBytes.add(size);
            if (writing) {
                return true;
            }
            writing = true;
        }
        writeTurns();
        return true;
    }

    private boolean fits(int size) {
        return queuedBytes + size <= settings.maxQueuedBytes() && count < settings.maxQueuedMessages();
    }

    @Override
    public long queuedBytes() {
        return queuedBytes;
    }

    @Override
    public int queuedMessages() {
        return count;
    }

    @Override
    public void close(int code, String reason) {
        synchronized (this) {
            if (closeCode != 0) {
                return;
            }
            closeReason = reason == null ? "" : reason;
            closeCode = code;
            if (writing) {
                // The turn that empties the queue sends the close.
                return;
            }
            writing = true;
        }
        writeTurns();
    }

    /** Whether the session holds a queue's array: only while messages are queued or with Jetty. */
    synchronized boolean holdsQueue() {
        return ring != NO_MESSAGES;
    }

    @Override
    public boolean isOpen() {
        return !closed && closeCode == 0 && coreSession.isOutputOpen();
    }

    /** Sends a protocol ping (heartbeat). */
    void ping() {
        lastPingNanos = System.nanoTime();
        coreSession.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
    }

    /**
     * Nothing was received for the idle timeout: counts it, drops what is queued and starts the
     * closing handshake with 1001 at once rather than after the queue, which a peer that does not
     * read would never let through. Does nothing when the session timed out already.
     */
    void closeIdle(long nowNanos) {
        if (!idleTimedOut()) {
            return;
        }
        idleCloseNanos = nowNanos;
        synchronized (this) {
            if (closeCode == 0) {
                closeReason = IDLE_TIMEOUT_REASON;
                closeCode = 1001;
            }
            // Sent below, at once, whatever a turn under way would do.
            closeSent = true;
        }
        closed();
        coreSession.close(1001, IDLE_TIMEOUT_REASON, Callback.NOOP);
    }

    /**
     * Counts the session as idle-timed-out, once, whoever noticed (the heartbeat sweep or Jetty's
     * own idle timer).
     *
     * @return whether this call counted it
     */
    boolean idleTimedOut() {
        synchronized (this) {
            if (idleTimedOut) {
                return false;
            }
            idleTimedOut = true;
        }
        statistics.idleTimeouts.increment();
        return true;
    }

    /** Drops the connection without waiting for the closing handshake to finish. */
    void abort() {
        closed();
        coreSession.abort();
    }

    /** The connection is gone: drop what is queued, and what Jetty holds (it will not complete it). */
    void closed() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            statistics.queuedBytes.add(-queuedBytes);
            queuedBytes = 0;
            ring = NO_MESSAGES;
            head = 0;
            count = 0;
            handedOff = 0;
        }
    }

    /**
     * Writes turn after turn while each completes at once; returns when the queue is empty (and
     * the close, if asked for, sent) or when Jetty holds frames it has not completed yet (the last
     * completion takes the next turn). Called by the one thread that owns the turn: the one that
     * set {@link #writing}, or the completion that found nothing more with Jetty.
     */
    private void writeTurns() {
        while (true) {
            WebSocketMessage[] batch;
            int first;
            int size;
            boolean sendClose = false;
            synchronized (this) {
                if (closed || count == 0) {
                    if (!closed && closeCode != 0 && !closeSent) {
                        closeSent = true;
                        sendClose = true;
                    }
                    writing = false;
                    turning = false;
                    ring = NO_MESSAGES;
                    head = 0;
                    batch = null;
                    first = 0;
                    size = 0;
                }
                else {
                    batch = ring;
                    first = head;
                    // At most a queue's worth (what Jetty accepts outstanding); the rest goes next turn.
                    size = Math.min(count, settings.maxQueuedMessages());
                    handedOff = size;
                    turning = true;
                }
            }
            if (batch == null) {
                if (sendClose) {
                    coreSession.close(closeCode, closeReason, Callback.NOOP);
                }
                return;
            }
            // The batch's slots are read without the monitor: appends go after them, a ring that
            // grows copies them into a new array, evictions only move messages not handed off, and a
            // completion clears a slot only after its frame was handed over, so they hold still.
            int mask = batch.length - 1;
            for (int i = 0; i < size; i++) {
                WebSocketMessage next = batch[(first + i) & mask];
                Frame frame = new Frame(next.isText() ? OpCode.TEXT : OpCode.BINARY, next.payload());
                coreSession.sendFrame(frame, this, i < size - 1);
            }
            synchronized (this) {
                if (handedOff > 0) {
                    // Some frames are still with Jetty: the last completion takes the next turn.
                    turning = false;
                    return;
                }
            }
        }
    }

    /** Jetty took a frame (written, or aggregated into a batch): the oldest handed off. */
    @Override
    public void succeeded() {
        boolean nextTurn;
        synchronized (this) {
            if (closed || handedOff == 0) {
                return;
            }
            WebSocketMessage done = removeHead();
            handedOff--;
            release(done.size());
            // While the owner of the turn is still handing frames over, it takes the next turn itself.
            nextTurn = handedOff == 0 && !turning;
        }
        statistics.sent.increment();
        if (nextTurn) {
            writeTurns();
        }
    }

    @Override
    public void failed(Throwable failure) {
        closed();
        coreSession.abort();
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    /** Under this: one message fewer queued of {@code size} bytes. */
    private void release(int size) {
        queuedBytes -= size;
        statistics.queuedBytes.add(-size);
    }

    /** Under this: adds at the tail, growing the ring (a power of two) when full. */
    private void append(WebSocketMessage message) {
        if (count == ring.length) {
            WebSocketMessage[] grown = new WebSocketMessage[Math.max(FIRST_RING_SIZE, ring.length * 2)];
            for (int i = 0; i < count; i++) {
                grown[i] = ring[(head + i) & (ring.length - 1)];
            }
            ring = grown;
            head = 0;
        }
        ring[(head + count) & (ring.length - 1)] = message;
        count++;
    }

    /** Under this: removes the oldest message (handed off, and completed). */
    private WebSocketMessage removeHead() {
        WebSocketMessage removed = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        count--;
        return removed;
    }

    /**
     * Under this: removes the message at {@code index} from the head, one not handed off, closing
     * the gap from the tail's side so that the handed-off slots before it do not move.
     */
    private WebSocketMessage removeQueued(int index) {
        int mask = ring.length - 1;
        WebSocketMessage removed = ring[(head + index) & mask];
        for (int i = index; i < count - 1; i++) {
            ring[(head + i) & mask] = ring[(head + i + 1) & mask];
        }
        ring[(head + count - 1) & mask] = null;
        count--;
        return removed;
    }

    @Override
    public String toString() {
        return "WebSocketSession[" + id() + ", route " + exchange.route().id() + "]";
    }
}
