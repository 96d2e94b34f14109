package dev.tollgate.runtime.websocket;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.websocket.WebSocketMessage;
import dev.tollgate.api.websocket.WebSocketSession;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * A {@link WebSocketSession} over Jetty's core session, with the gateway's own outgoing queue.
 *
 * <p>The queue is a lock-free linked queue bounded in bytes and messages (approximately: racing
 * producers may overshoot by one message each). One frame at a time is handed to Jetty, marked
 * "batch" while more are queued so Jetty aggregates them into one network write; the next
 * frame goes when Jetty completes the previous one. Payloads are sliced views of the shared,
 * pre-encoded {@link WebSocketMessage}: sending to N sessions copies nothing.
 */
final class GatewaySession implements WebSocketSession, Callback {
    static final String IDLE_TIMEOUT_REASON = "idle timeout";

    private final String id;
    private final Exchange exchange;
    private final CoreSession coreSession;
    private final WebSocketSettings settings;
    private final SessionStatistics statistics;
    private final ConcurrentLinkedQueue<WebSocketMessage> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean writing;
    private final AtomicReference<WebSocketMessage> inFlight = new AtomicReference<>();
    private volatile int closeCode;
    private volatile String closeReason;
    private final AtomicBoolean idleTimedOut = new AtomicBoolean();
    /** When a frame of any kind (message, pong, ping, close) last arrived: what the idle timeout counts. */
    volatile long lastReceivedNanos = System.nanoTime();
    volatile long lastPingNanos;
    /** When {@link #closeIdle} started the closing handshake; 0 before. */
    volatile long idleCloseNanos;

    GatewaySession(String id, Exchange exchange, CoreSession coreSession, WebSocketSettings settings, SessionStatistics statistics) {
        this.id = requireNonNull(id, "id is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.coreSession = requireNonNull(coreSession, "coreSession is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.statistics = requireNonNull(statistics, "statistics is null");
    }

    @Override
    public String id() {
        return id;
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
        if (closed.get() || closeCode != 0) {
            return false;
        }
        int size = message.size();
        if (!fits(size)) {
            if (overflow == Overflow.REJECT || size > settings.maxQueuedBytes()) {
                statistics.rejected.increment();
                return false;
            }
            while (!fits(size)) {
                WebSocketMessage oldest = queue.poll();
                if (oldest == null) {
                    break;
                }
                release(oldest);
                statistics.dropped.increment();
            }
        }
        queuedBytes.addAndGet(size);
        queuedMessages.incrementAndGet();
        statistics.queuedBytes.add(size);
        queue.offer(message);
        flush();
        return true;
    }

    private boolean fits(int size) {
        return queuedBytes.get() + size <= settings.maxQueuedBytes() && queuedMessages.get() < settings.maxQueuedMessages();
    }

    @Override
    public long queuedBytes() {
        return queuedBytes.get();
    }

    @Override
    public int queuedMessages() {
        return queuedMessages.get();
    }

    @Override
    public void close(int code, String reason) {
        if (closeCode == 0) {
            closeReason = reason == null ? "" : reason;
            closeCode = code;
            flush();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get() && closeCode == 0 && coreSession.isOutputOpen();
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
        if (closeCode == 0) {
            closeReason = IDLE_TIMEOUT_REASON;
            closeCode = 1001;
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
        if (idleTimedOut.compareAndSet(false, true)) {
            statistics.idleTimeouts.increment();
            return true;
        }
        return false;
    }

    /** Drops the connection without waiting for the closing handshake to finish. */
    void abort() {
        closed();
        coreSession.abort();
    }

    /** The connection is gone: drop what is queued. */
    void closed() {
        if (closed.compareAndSet(false, true)) {
            WebSocketMessage message;
            while ((message = queue.poll()) != null) {
                release(message);
            }
            WebSocketMessage current = inFlight.getAndSet(null);
            if (current != null) {
                release(current);
            }
        }
    }

    private void flush() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            if (!writing && !closed.get()) {
                WebSocketMessage next = queue.poll();
                if (next != null) {
                    writing = true;
                    inFlight.set(next);
                    Frame frame = new Frame(next.isText() ? OpCode.TEXT : OpCode.BINARY, next.payload());
                    coreSession.sendFrame(frame, this, !queue.isEmpty());
                }
                else if (closeCode != 0) {
                    closed.set(true);
                    coreSession.close(closeCode, closeReason, Callback.NOOP);
                }
            }
            missed = wip.addAndGet(-missed);
        }
        while (missed != 0);
    }

    /** Jetty took the frame in flight (written, or aggregated into a batch): send the next. */
    @Override
    public void succeeded() {
        WebSocketMessage done = inFlight.getAndSet(null);
        if (done != null) {
            release(done);
            statistics.sent.increment();
        }
        writing = false;
        flush();
    }

    @Override
    public void failed(Throwable failure) {
        WebSocketMessage done = inFlight.getAndSet(null);
        if (done != null) {
            release(done);
        }
        writing = false;
        closed();
        coreSession.abort();
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    private void release(WebSocketMessage message) {
        queuedBytes.addAndGet(-message.size());
        queuedMessages.decrementAndGet();
        statistics.queuedBytes.add(-message.size());
    }

    @Override
    public String toString() {
        return "WebSocketSession[" + id + ", route " + exchange.route().id() + "]";
    }
}
