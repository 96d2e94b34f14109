/**
 * The gateway's I/O event loops, for backends that open their own connections: a connection
 * registered on the {@link dev.tollgate.api.io.EventLoop} of the client connection it serves
 * ({@link dev.tollgate.api.http.Exchange.Connection#eventLoop()}) has its readiness handled by the
 * same thread that reads the client, so an exchange's request and response run on one thread with
 * no hand-off between selectors.
 *
 * @since 1.3
 */
package dev.tollgate.api.io;
