package dev.tollgate.runtime.server;

import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The server's pool, which resumes HTTP/1.1 connections on the thread that asks — within a bound.
 *
 * <p>When a response completes on a thread other than the one that handled the request — the
 * backend client's thread that relayed the backend's answer — Jetty resumes the connection (to
 * read the client's next request) by dispatching it to the pool: one thread hand-off, and its
 * context switches, per proxied request. The gateway's connections do only non-blocking work when
 * resumed (read what has arrived, parse it, hand a request to the non-blocking handler, or wait
 * for more), so they run on the thread that completed the response, as nginx's event loop would.
 *
 * <p>The bound: a client that pipelines requests answered at once (404s, an in-memory endpoint)
 * would otherwise have each response resume the connection on the same borrowed thread, nested in
 * the previous resume — a backend client's selector, whose other connections would wait. A
 * connection is resumed on the asking thread at most {@value #INLINE_RESUMES} times nested in one
 * another ({@link HeaderTimeoutConnectionFactory.ResumableConnection#tryResumeInline}); the next
 * resume goes to this pool — as do all later ones while the connection works off its backlog —
 * and the count starts again when the selector wakes the connection for new bytes, or a response
 * completes outside any resume of the connection (a proxied answer: each such resume reads one
 * request and hands it on, so it holds the thread only briefly). A client under load whose next
 * request has arrived by the time its response completes is thus resumed inline every time,
 * without a hand-off (measured: a thread hand-off per request under wrk load before).
 */
final class ResumingThreadPool extends QueuedThreadPool {
    /** Resumes of one connection on the asking thread in a row, before one goes to the pool. */
    static final int INLINE_RESUMES = 4;

    ResumingThreadPool(int maxThreads, int minThreads) {
        super(maxThreads, minThreads);
    }

    @Override
    public void execute(Runnable job) {
        if (job instanceof HeaderTimeoutConnectionFactory.ResumableConnection connection) {
            if (connection.tryResumeInline(INLINE_RESUMES)) {
                connection.runInline();
                return;
            }
            connection.dispatched();
        }
        super.execute(job);
    }
}
