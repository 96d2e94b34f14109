package dev.tollgate.runtime.server;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 connections with a deadline for the request line and headers (slowloris): from the
 * first byte of a request, its head must arrive within the timeout, however steadily it
 * trickles; otherwise the connection is closed. Jetty's idle timeout alone does not catch a
 * client that sends one byte just often enough.
 */
final class HeaderTimeoutConnectionFactory extends HttpConnectionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(HeaderTimeoutConnectionFactory.class);
    /**
     * Inline resumes of a connection closer together than this form one chain (a pipelined backlog
     * answered at once: the next resume follows the previous one within microseconds); a resume
     * after a longer pause — a proxied response's round trip — starts a new chain.
     */
    static final long CHAIN_GAP_NANOS = 200_000;

    private final long timeoutNanos;

    HeaderTimeoutConnectionFactory(HttpConfiguration configuration, long timeoutNanos) {
        super(configuration);
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        HttpConnection connection = new GuardedConnection(getHttpConfiguration(), connector, endPoint, timeoutNanos);
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    /** A connection that may be resumed on the completing thread (see {@link ResumingThreadPool}). */
    interface ResumableConnection extends Runnable {
        /**
         * Whether this resume may run on the asking thread: fewer than {@code limit} resumes in a
         * row have run there since the selector last woke the connection for new bytes.
         */
        boolean tryResumeInline(int limit);

        /**
         * Runs the resume on the current thread, as such: reads and handles what the client has
         * sent, or — when nothing of a next request is buffered — waits for its bytes without
         * trying a read first (right after a response, a client has not sent its next request).
         */
        void runInline();

        /** The resume goes to the pool: the connection keeps its count until the selector wakes it. */
        void dispatched();
    }

    private static final class GuardedConnection extends HttpConnection implements ResumableConnection {
        private final long timeoutNanos;
        private final Scheduler scheduler;
        private volatile long headStartedNanos;
        private Scheduler.Task pending;
        /** Resumes run on an asking thread in a row; only touched from the connection's serialized callbacks. */
        private volatile int inlineResumes;
        private volatile long lastInlineEndNanos = System.nanoTime();
        private volatile boolean resumingInline;
        private volatile boolean dispatched;
        /** Whether the last request announced a body (its buffer may then still be held, with pipelined bytes). */
        private volatile boolean lastRequestHadContent;
        private final Callback nextRequest;

        GuardedConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint, long timeoutNanos) {
            super(configuration, connector, endPoint);
            this.timeoutNanos = timeoutNanos;
            this.scheduler = connector.getScheduler();
            this.nextRequest = new NextRequestCallback(connector.getServer().getInvocationType());
        }

        @Override
        protected RequestHandler newRequestHandler() {
            // Called by the super constructor: only the handler's methods may touch this class's fields.
            return new RequestHandler() {
                @Override
                public boolean headerComplete() {
                    lastRequestHadContent = getParser().hasContent();
                    return super.headerComplete();
                }
            };
        }

        @Override
        public boolean tryResumeInline(int limit) {
            if (!resumingInline && System.nanoTime() - lastInlineEndNanos > CHAIN_GAP_NANOS) {
                // The previous inline resume ended a while ago: this response completed on its own
                // (a proxied answer arriving), not as the next link of a backlog answered at once.
                inlineResumes = 0;
            }
            return ++inlineResumes <= limit;
        }

        @Override
        public void runInline() {
            resumingInline = true;
            try {
                if (!awaitsNextRequest() || !getEndPoint().tryFillInterested(nextRequest)) {
                    run();
                }
            }
            finally {
                resumingInline = false;
                lastInlineEndNanos = System.nanoTime();
            }
        }

        @Override
        public void dispatched() {
            dispatched = true;
        }

        @Override
        public void onFillable() {
            if (dispatched) {
                // Run by the pool for a resume that exceeded the count: still working off a backlog.
                dispatched = false;
            }
            else if (!resumingInline) {
                // Woken by the selector: the client sent new bytes, not a pipelined backlog.
                inlineResumes = 0;
            }
            super.onFillable();
            if (isReadingHead()) {
                if (headStartedNanos == 0) {
                    headStartedNanos = System.nanoTime();
                    pending = scheduler.schedule(this::checkDeadline, timeoutNanos, TimeUnit.NANOSECONDS);
                }
            }
            else if (headStartedNanos != 0) {
                headStartedNanos = 0;
                Scheduler.Task task = pending;
                if (task != null) {
                    task.cancel();
                }
            }
        }

        /**
         * Whether the connection waits for a next request with nothing of it buffered. Jetty's
         * resume would read the socket (twice: it retries an empty read) and only then wait for the
         * selector; right after a response the client's next request is not there yet, so those
         * reads found nothing — one to two system calls per proxied request. A request that had a
         * body takes Jetty's path: its buffer, held for pipelined bytes, is released there.
         */
        private boolean awaitsNextRequest() {
            return !lastRequestHadContent && getParser().isStart() && isRequestBufferEmpty()
                    && getEndPoint().isOpen() && !getEndPoint().isInputShutdown();
        }

        /** Woken by the selector when the next request's bytes arrive: Jetty's fill callback, as such. */
        private final class NextRequestCallback implements Callback {
            private final Invocable.InvocationType invocationType;

            NextRequestCallback(Invocable.InvocationType invocationType) {
                this.invocationType = invocationType;
            }

            @Override
            public void succeeded() {
                onFillable();
            }

            @Override
            public void failed(Throwable failure) {
                onFillInterestedFailed(failure);
            }

            @Override
            public Invocable.InvocationType getInvocationType() {
                return invocationType;
            }
        }

        private boolean isReadingHead() {
            HttpParser.State state = getParser().getState();
            return state.ordinal() > HttpParser.State.START.ordinal() && state.ordinal() < HttpParser.State.CONTENT.ordinal();
        }

        private void checkDeadline() {
            long started = headStartedNanos;
            if (started == 0) {
                return;
            }
            long remaining = started + timeoutNanos - System.nanoTime();
            if (remaining > 0) {
                pending = scheduler.schedule(this::checkDeadline, remaining, TimeUnit.NANOSECONDS);
                return;
            }
            LOG.debug("Closing {}: request head not received within {} ms", getEndPoint(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            getEndPoint().close();
        }
    }
}
