package dev.tollgate.runtime.server;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.hpack.HpackException;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * What the gateway adds to Jetty's HTTP/2 server sessions, on both listeners:
 * <ul>
 *   <li>a malformed request (RFC 9113 §8.2.1, §8.3: upper-case or connection-specific field
 *       names, {@code TE} other than {@code trailers}, missing, repeated, empty or misplaced
 *       pseudo-headers, pseudo-headers in trailers, a {@code Host} that is not a host) is a
 *       stream error of type PROTOCOL_ERROR,
 *       as §8.1.1 requires — Jetty alone answers it with a 400 response;</li>
 *   <li>DATA on a stream the client had closed (with END_STREAM or RST_STREAM) is a stream error
 *       of type STREAM_CLOSED (§5.1) — Jetty alone ignores it once the stream is gone. DATA on a
 *       stream the server reset while the client had not closed it is still ignored, as §5.1
 *       requires: it may have been in flight;</li>
 *   <li>a connection with no open stream for the HTTP/2 idle timeout is closed with GOAWAY, even
 *       if the client keeps it alive with PING, SETTINGS or WINDOW_UPDATE frames, which reset
 *       Jetty's own idle timeout;</li>
 *   <li>each of these, and each connection error the server signals with GOAWAY, is a
 *       {@link ClientErrors client error}, counted and logged at DEBUG only;</li>
 *   <li>a connection error closes the connection a second after its GOAWAY at the latest
 *       (§5.4.1), where Jetty would sometimes keep it open until its idle timeout;</li>
 *   <li>so does the client's GOAWAY with an error code: the client signals a connection error
 *       and closes (§5.4.1), and Jetty, waiting for the client's open streams to end, would keep
 *       the connection until its idle timeout;</li>
 *   <li>after the client's GOAWAY that is not graceful (its last stream id below the maximum),
 *       a connection that has stopped reading is closed: Jetty stops reading a connection on a
 *       connection error found by its parser (a malformed header block, say), but while it waits
 *       for the client's streams to end after such a GOAWAY it ignores the error, sends nothing
 *       and keeps the connection open — found by {@code Http2FrameFuzzTest}.</li>
 * </ul>
 *
 * <p>The per-connection cost is one frame listener (a type check per frame, a bit set when the
 * client ends or resets a stream) and, with the idle timeout, one scheduled check per timeout
 * period.
 */
final class Http2SessionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(Http2SessionGuard.class);
    /** How many of the newest client streams are remembered as closed by the client (a power of two). */
    private static final int TRACKED_STREAMS = 256;
    /** How long the GOAWAY of a connection error has to be written before the connection is closed. */
    private static final long CLOSE_AFTER_ERROR_GOAWAY_MILLIS = 1000;

    private final ClientErrors clientErrors;
    private final long idleTimeoutNanos;

    /**
     * @param idleTimeout how long a connection may stay without an open stream; zero disables
     */
    Http2SessionGuard(ClientErrors clientErrors, Duration idleTimeout) {
        this.clientErrors = requireNonNull(clientErrors, "clientErrors is null");
        this.idleTimeoutNanos = requireNonNull(idleTimeout, "idleTimeout is null").toNanos();
    }

    /** h2 over TLS (selected by ALPN). */
    static final class TlsConnectionFactory extends HTTP2ServerConnectionFactory {
        private final Http2SessionGuard guard;

        TlsConnectionFactory(HttpConfiguration configuration, Http2SessionGuard guard) {
            super(configuration);
            this.guard = requireNonNull(guard, "guard is null");
        }

        @Override
        protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
            return new ConformingSessionListener(this, endPoint, guard.clientErrors);
        }

        @Override
        public Connection newConnection(Connector connector, EndPoint endPoint) {
            return guard.watch(super.newConnection(connector, endPoint), connector);
        }

        /**
         * Jetty's session listener (it hands streams to the HTTP channel), refusing malformed
         * requests and trailers with PROTOCOL_ERROR instead of answering them. Nested here because
         * Jetty's class is visible to its factory's subclasses only; the clear-text factory uses it
         * too.
         */
        static final class ConformingSessionListener extends HTTP2ServerConnectionFactory.HTTPServerSessionListener {
            private final ClientErrors clientErrors;
            private final EndPoint endPoint;

            ConformingSessionListener(HTTP2ServerConnectionFactory factory, EndPoint endPoint, ClientErrors clientErrors) {
                factory.super(endPoint);
                this.endPoint = endPoint;
                this.clientErrors = clientErrors;
            }

            /**
             * A request whose {@code Host} is not a host (and port) is malformed: Jetty would fail
             * comparing it with {@code :authority} (an IllegalArgumentException, answered 500).
             */
            @Override
            public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
                if (frame.getMetaData() instanceof MetaData.Request request) {
                    String host = request.getHttpFields().get(HttpHeader.HOST);
                    if (host != null && !isHostAndPort(host)) {
                        refuse(stream, "malformed host: " + host, null, Callback.NOOP);
                        return null;
                    }
                }
                return super.onNewStream(stream, frame);
            }

            private static boolean isHostAndPort(String authority) {
                try {
                    new HostPort(authority);
                    return true;
                }
                catch (IllegalArgumentException e) {
                    return false;
                }
            }

            /** Jetty calls this only for a request whose header block it could not accept. */
            @Override
            public void onStreamFailure(Stream stream, Throwable failure, Callback callback) {
                refuse(stream, "malformed request: " + failure.getMessage(), failure, callback);
            }

            /**
             * Trailers Jetty could not accept fail the stream with PROTOCOL_ERROR, but Jetty would
             * then reset it with CANCEL; the stream is reset first, and the request still fails.
             */
            @Override
            public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
                if (failure instanceof HpackException.StreamException) {
                    refuse(stream, "malformed trailers: " + failure.getMessage(), failure, Callback.NOOP);
                }
                super.onFailure(stream, error, reason, failure, callback);
            }

            private void refuse(Stream stream, String detail, Throwable failure, Callback callback) {
                clientErrors.record(ClientErrors.Reason.MALFORMED_REQUEST, endPoint.getRemoteSocketAddress(),
                        "stream " + stream.getId() + ": " + detail, failure);
                stream.reset(new ResetFrame(stream.getId(), ErrorCode.PROTOCOL_ERROR.code), callback);
            }
        }
    }

    /**
     * h2c on the clear-text listener: with prior knowledge always, through
     * {@code Upgrade: h2c} only when enabled — behind an HTTP/1.1 load balancer the upgrade lets
     * a client tunnel past the balancer's rules (h2c smuggling).
     */
    static final class ClearTextConnectionFactory extends HTTP2CServerConnectionFactory {
        private final Http2SessionGuard guard;
        private final boolean upgradeEnabled;

        ClearTextConnectionFactory(HttpConfiguration configuration, Http2SessionGuard guard, boolean upgradeEnabled) {
            super(configuration);
            this.guard = requireNonNull(guard, "guard is null");
            this.upgradeEnabled = upgradeEnabled;
        }

        @Override
        protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
            return new TlsConnectionFactory.ConformingSessionListener(this, endPoint, guard.clientErrors);
        }

        @Override
        public Connection newConnection(Connector connector, EndPoint endPoint) {
            return guard.watch(super.newConnection(connector, endPoint), connector);
        }

        /**
         * Jetty asks here both for the prior-knowledge preface ({@code PRI * HTTP/2.0}) and for an
         * {@code Upgrade: h2c} request; refusing the latter (null) serves it as plain HTTP/1.1.
         */
        @Override
        public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request,
                                            HttpFields.Mutable responseFields) {
            if (!upgradeEnabled && !HttpMethod.PRI.is(request.getMethod())) {
                return null;
            }
            return super.upgradeConnection(connector, endPoint, request, responseFields);
        }
    }

    private Connection watch(Connection connection, Connector connector) {
        HTTP2Session session = ((HTTP2Connection) connection).getSession();
        session.addEventListener(new FrameWatch(session, connection.getEndPoint(), connector.getScheduler()));
        if (idleTimeoutNanos > 0) {
            connection.addEventListener(new IdleWithoutStreams(session, connector.getScheduler()));
        }
        return connection;
    }

    /**
     * Watches the frames of one session: remembers which of the newest client streams the client
     * ended (END_STREAM) or reset, answers DATA on them with STREAM_CLOSED where Jetty does not
     * (once it dropped the stream, or ever after a reset), and counts the connection errors the
     * server sends. Incoming frames are notified by the one thread parsing the connection at a
     * time; outgoing ones only touch {@link ClientErrors}.
     */
    private final class FrameWatch implements HTTP2Session.FrameListener {
        private final HTTP2Session session;
        private final EndPoint endPoint;
        private final Scheduler scheduler;
        /** Bit {@code (id / 2) % TRACKED_STREAMS}: the client sent END_STREAM on stream {@code id}. */
        private final long[] endedByClient = new long[TRACKED_STREAMS / Long.SIZE];
        /** Likewise: the client reset stream {@code id}. */
        private final long[] resetByClient = new long[TRACKED_STREAMS / Long.SIZE];
        private int newestStreamId;

        FrameWatch(HTTP2Session session, EndPoint endPoint, Scheduler scheduler) {
            this.session = session;
            this.endPoint = endPoint;
            this.scheduler = scheduler;
        }

        @Override
        public void onIncomingFrame(Session ignored, Frame frame) {
            switch (frame.getType()) {
                case DATA -> {
                    DataFrame data = (DataFrame) frame;
                    int streamId = data.getStreamId();
                    if (isTracked(streamId)) {
                        // Jetty answers DATA after END_STREAM on a stream it still has, and nothing else.
                        if (isSet(resetByClient, streamId) || isSet(endedByClient, streamId) && session.getStream(streamId) == null) {
                            streamClosed(streamId);
                        }
                        else if (data.isEndStream()) {
                            set(endedByClient, streamId);
                        }
                    }
                }
                case HEADERS -> {
                    HeadersFrame headers = (HeadersFrame) frame;
                    int streamId = headers.getStreamId();
                    if (streamId > newestStreamId && (streamId & 1) == 1) {
                        opened(streamId);
                    }
                    if (headers.isEndStream() && isTracked(streamId)) {
                        set(endedByClient, streamId);
                    }
                }
                case RST_STREAM -> {
                    int streamId = ((ResetFrame) frame).getStreamId();
                    if (isTracked(streamId)) {
                        set(resetByClient, streamId);
                    }
                }
                case GO_AWAY -> {
                    GoAwayFrame goAway = (GoAwayFrame) frame;
                    if (goAway.getError() != ErrorCode.NO_ERROR.code) {
                        clientErrors.record(ClientErrors.Reason.CONNECTION_ERROR, session.getRemoteSocketAddress(),
                                "the client closed the connection with " + goAway, null);
                        scheduler.schedule(session::disconnect, CLOSE_AFTER_ERROR_GOAWAY_MILLIS, TimeUnit.MILLISECONDS);
                    }
                    else if (!goAway.isGraceful()) {
                        new StoppedReading().schedule();
                    }
                }
                default -> {
                }
            }
        }

        /**
         * After the client's closing GOAWAY: checks each second that the connection still reads,
         * and closes it when two checks in a row find it not reading (Jetty stopped on a connection
         * error it then ignored); ends when the connection closes.
         */
        private final class StoppedReading implements Runnable {
            private boolean notReading;

            void schedule() {
                scheduler.schedule(this, CLOSE_AFTER_ERROR_GOAWAY_MILLIS, TimeUnit.MILLISECONDS);
            }

            @Override
            public void run() {
                // (The session counts as closed from the client's GOAWAY on: the endpoint tells.)
                if (!endPoint.isOpen()) {
                    return;
                }
                if (endPoint.isFillInterested()) {
                    notReading = false;
                }
                else if (notReading) {
                    clientErrors.record(ClientErrors.Reason.CONNECTION_ERROR, session.getRemoteSocketAddress(),
                            "the connection stopped reading after the client's GOAWAY", null);
                    session.disconnect();
                    return;
                }
                else {
                    notReading = true;
                }
                schedule();
            }
        }

        @Override
        public void onOutgoingFrame(Session ignored, Frame frame) {
            if (frame instanceof GoAwayFrame goAway && goAway.getError() != ErrorCode.NO_ERROR.code) {
                clientErrors.record(ClientErrors.Reason.CONNECTION_ERROR, session.getRemoteSocketAddress(),
                        "connection closed with " + goAway, null);
                // §5.4.1: after the GOAWAY of a connection error the connection is closed. Jetty does
                // not always close it (after a response it failed to encode, it waits for its idle
                // timeout): the GOAWAY gets a moment to be written, then the connection goes.
                scheduler.schedule(session::disconnect, CLOSE_AFTER_ERROR_GOAWAY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        private void streamClosed(int streamId) {
            clientErrors.record(ClientErrors.Reason.STREAM_CLOSED, session.getRemoteSocketAddress(),
                    "DATA on stream " + streamId + ", which the client had closed", null);
            // Straight to the flusher: the stream, if Jetty still has it, may be reset already.
            session.frames(null, List.of(new ResetFrame(streamId, ErrorCode.STREAM_CLOSED_ERROR.code)), Callback.NOOP);
        }

        /** A new client stream: the slots of the ids since the newest one are reused. */
        private void opened(int streamId) {
            int from = (newestStreamId >>> 1) + 1;
            int to = streamId >>> 1;
            if (to - from >= TRACKED_STREAMS) {
                Arrays.fill(endedByClient, 0L);
                Arrays.fill(resetByClient, 0L);
            }
            else {
                for (int index = from; index <= to; index++) {
                    int word = (index & (TRACKED_STREAMS - 1)) >>> 6;
                    endedByClient[word] &= ~(1L << index);
                    resetByClient[word] &= ~(1L << index);
                }
            }
            newestStreamId = streamId;
        }

        private boolean isTracked(int streamId) {
            return (streamId & 1) == 1 && streamId <= newestStreamId && (newestStreamId - streamId) >>> 1 < TRACKED_STREAMS;
        }

        private static void set(long[] bits, int streamId) {
            int index = streamId >>> 1;
            bits[(index & (TRACKED_STREAMS - 1)) >>> 6] |= 1L << index;
        }

        private static boolean isSet(long[] bits, int streamId) {
            int index = streamId >>> 1;
            return (bits[(index & (TRACKED_STREAMS - 1)) >>> 6] & 1L << index) != 0;
        }
    }

    /**
     * Closes a session that has had no open stream for the idle timeout: checked once per timeout
     * (so it closes between one and two timeouts after its last stream ended), from the counts
     * Jetty keeps anyway.
     */
    private final class IdleWithoutStreams implements Runnable, Connection.Listener {
        private final HTTP2Session session;
        private final Scheduler scheduler;
        // Touched by onOpened, then by each run in turn (each schedules the next).
        private long streamsOpened;
        private long idleSinceNanos;
        private volatile Scheduler.Task pending;

        IdleWithoutStreams(HTTP2Session session, Scheduler scheduler) {
            this.session = session;
            this.scheduler = scheduler;
        }

        @Override
        public void onOpened(Connection connection) {
            streamsOpened = session.getStreamsOpened();
            idleSinceNanos = System.nanoTime();
            pending = scheduler.schedule(this, idleTimeoutNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void onClosed(Connection connection) {
            Scheduler.Task task = pending;
            if (task != null) {
                task.cancel();
            }
        }

        @Override
        public void run() {
            if (session.isClosed()) {
                return;
            }
            long now = System.nanoTime();
            long opened = session.getStreamsOpened();
            if (session.getStreamCount() > 0 || opened != streamsOpened) {
                streamsOpened = opened;
                idleSinceNanos = now;
            }
            long idle = now - idleSinceNanos;
            if (idle >= idleTimeoutNanos) {
                LOG.debug("Closing {}: no stream for {} ms", session, TimeUnit.NANOSECONDS.toMillis(idle));
                // GOAWAY, then close: Jetty alone would wait for the client's GOAWAY, or for its
                // own idle timeout, which the pings keep away.
                session.close(ErrorCode.NO_ERROR.code, "idle_timeout", Callback.from(session::disconnect));
                return;
            }
            pending = scheduler.schedule(this, idleTimeoutNanos - idle, TimeUnit.NANOSECONDS);
        }
    }
}
