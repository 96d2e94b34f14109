package dev.tollgate.runtime.websocket;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.server.WebSocketUpgrades;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.exception.WebSocketException;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * WebSocket for endpoints, on Jetty's core WebSocket implementation: HTTP/1.1 upgrades and
 * RFC 8441 extended CONNECT over HTTP/2, both through Jetty's {@link Handshaker}.
 *
 * <p>Keeps every open session for the heartbeat sweep and for shutdown, which closes them all
 * with 1001. The sweep, one task every second instead of timers per session:
 * <ul>
 *   <li>closes with 1001 a session that has received nothing — no message, no pong — for its idle
 *       timeout, dropping what it has queued, and counts it. Jetty's own idle timer cannot do
 *       this: it counts bytes written as activity, so the pings below would keep a silent peer
 *       connected for ever;</li>
 *   <li>drops the connection of such a session whose peer has not completed the closing
 *       handshake {@link #CLOSE_HANDSHAKE_GRACE} later (a peer that stopped reading never will);</li>
 *   <li>pings a session that has been silent for its ping interval.</li>
 * </ul>
 */
public final class WebSocketSupport implements WebSocketUpgrades, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSupport.class);
    /** How long a session closed for its idle timeout has to complete the closing handshake before it is dropped. */
    static final Duration CLOSE_HANDSHAKE_GRACE = Duration.ofSeconds(2);

    private final Handshaker handshaker = Handshaker.newInstance();
    private final WebSocketComponents components;
    private final Set<GatewaySession> sessions = ConcurrentHashMap.newKeySet();
    /** Upgrades negotiated whose session has not opened yet (the 101 may be on its way). */
    private final AtomicInteger opening = new AtomicInteger();
    /** Set by {@link #closeAll}: a session that opens afterwards is closed at once with it. */
    private volatile String closingReason;
    /** Completed when the last session is gone, once {@link #closeAndAwait} asked. */
    private volatile CompletableFuture<Void> allClosed;
    private final SessionStatistics statistics = new SessionStatistics();
    private final AtomicLong ids = new AtomicLong();
    private final ScheduledFuture<?> heartbeats;

    /** Attaches to {@code server}; call before the server starts. */
    public WebSocketSupport(Server server, GatewayMetrics metrics, ScheduledExecutorService scheduler) {
        this.components = WebSocketServerComponents.ensureWebSocketComponents(requireNonNull(server, "server is null"));
        metrics.gauge("tollgate.websocket", "sessions", sessions::size);
        metrics.gauge("tollgate.websocket", "queued_bytes", statistics.queuedBytes::sum);
        metrics.gauge("tollgate.websocket", "opened_total", statistics.opened::sum);
        metrics.gauge("tollgate.websocket", "messages_sent_total", statistics.sent::sum);
        metrics.gauge("tollgate.websocket", "messages_received_total", statistics.received::sum);
        metrics.gauge("tollgate.websocket", "messages_dropped_total", statistics.dropped::sum);
        metrics.gauge("tollgate.websocket", "messages_rejected_total", statistics.rejected::sum);
        metrics.gauge("tollgate.websocket", "idle_timeouts_total", statistics.idleTimeouts::sum);
        heartbeats = scheduler.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public boolean isUpgradeRequest(Request request) {
        return handshaker.isWebSocketUpgradeRequest(request);
    }

    @Override
    public CompletionStage<Void> upgrade(Exchange exchange, Request request, Response response, Callback callback,
                                         WebSocketHandler handler, WebSocketSettings settings, ClassLoader handlerLoader) {
        WebSocketNegotiator negotiator = new WebSocketNegotiator.AbstractNegotiator() {
            @Override
            public FrameHandler negotiate(ServerUpgradeRequest upgradeRequest, ServerUpgradeResponse upgradeResponse, Callback negotiation) {
                if (!settings.permessageDeflate()) {
                    upgradeResponse.setExtensions(List.of());
                }
                opening.incrementAndGet();
                return new GatewayFrameHandler(WebSocketSupport.this, exchange, handler, settings, handlerLoader);
            }

            @Override
            public void customize(Configuration configuration) {
                configuration.setIdleTimeout(settings.idleTimeout());
                configuration.setMaxFrameSize(settings.maxMessageSize());
                configuration.setMaxTextMessageSize(settings.maxMessageSize());
                configuration.setMaxBinaryMessageSize(settings.maxMessageSize());
                configuration.setAutoFragment(false);
                // The gateway's own queue bounds what waits; this bounds what Jetty holds beyond it.
                configuration.setMaxOutgoingFrames(Math.max(16, settings.maxQueuedMessages()));
            }
        };
        try {
            if (handshaker.upgradeRequest(negotiator, request, response, callback, components, null)) {
                return CompletableFuture.completedFuture(null);
            }
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.BAD_REQUEST, "invalid WebSocket upgrade request"));
        }
        catch (WebSocketException e) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.BAD_REQUEST, "invalid WebSocket upgrade request: " + e.getMessage()));
        }
        catch (RuntimeException e) {
            if (e instanceof HttpException refused && refused.getCode() < 500) {
                // The handshaker refuses a request it cannot negotiate (a missing Sec-WebSocket-Key): the client's error.
                return CompletableFuture.failedFuture(new GatewayException(ErrorCode.forHttpStatus(refused.getCode()),
                        "invalid WebSocket upgrade request: " + refused.getReason()));
            }
            throw e;
        }
    }

    GatewaySession register(Exchange exchange, CoreSession coreSession, WebSocketSettings settings) {
        GatewaySession session = new GatewaySession(ids.incrementAndGet(), exchange, coreSession, settings, statistics);
        sessions.add(session);
        opening.decrementAndGet();
        statistics.opened.increment();
        String reason = closingReason;
        if (reason != null) {
            // Negotiated before the gateway began to stop, opened after it closed the others.
            session.close(1001, reason);
        }
        return session;
    }

    void unregister(GatewaySession session) {
        sessions.remove(session);
        completeIfAllClosed();
    }

    /** A negotiated upgrade ended without its session opening. */
    void openingFailed() {
        opening.decrementAndGet();
        completeIfAllClosed();
    }

    private void completeIfAllClosed() {
        if (sessions.isEmpty() && opening.get() <= 0) {
            CompletableFuture<Void> waiting = allClosed;
            if (waiting != null) {
                waiting.complete(null);
            }
        }
    }

    SessionStatistics statistics() {
        return statistics;
    }

    /** Open sessions. */
    public int sessionCount() {
        return sessions.size();
    }

    /** Closes every session with 1001 (going away), after what each has queued. */
    public void closeAll(String reason) {
        closingReason = reason;
        for (GatewaySession session : sessions) {
            session.close(1001, reason);
        }
    }

    @Override
    public void close() {
        heartbeats.cancel(false);
        closeAll("gateway stopping");
    }

    /**
     * Closes every session with 1001 and waits, at most {@code timeout}, for their closing
     * handshakes to end, so that the close frames are on the wire before the listeners stop and
     * cut the connections (a peer would otherwise see 1006). A session whose upgrade was
     * answered but which has not opened yet is waited for too, and closed as it opens. Returns at
     * once when none is open or opening.
     */
    public void closeAndAwait(Duration timeout) {
        CompletableFuture<Void> waiting = new CompletableFuture<>();
        allClosed = waiting;
        close();
        if (sessions.isEmpty() && opening.get() <= 0) {
            return;
        }
        try {
            waiting.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException | TimeoutException e) {
            // Peers that do not answer the close: the listeners' stop cuts them.
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (GatewaySession session : sessions) {
            try {
                sweep(session, now);
            }
            catch (RuntimeException e) {
                // One session's failure must not end the sweep, which the scheduler would not run again.
                LOG.warn("The WebSocket heartbeat failed on {}", session, e);
            }
        }
    }

    private static void sweep(GatewaySession session, long now) {
        long idleClose = session.idleCloseNanos;
        if (idleClose != 0) {
            if (now - idleClose >= CLOSE_HANDSHAKE_GRACE.toNanos()) {
                session.abort();
            }
            return;
        }
        WebSocketSettings settings = session.settings();
        if (now - session.lastReceivedNanos >= settings.idleTimeout().toNanos()) {
            session.closeIdle(now);
            return;
        }
        long interval = settings.pingInterval().toNanos();
        if (interval > 0 && session.isOpen() && now - Math.max(session.lastReceivedNanos, session.lastPingNanos) >= interval) {
            session.ping();
        }
    }
}
