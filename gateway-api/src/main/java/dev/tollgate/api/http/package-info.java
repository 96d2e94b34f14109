/**
 * The request path: {@link dev.tollgate.api.http.Exchange}, the
 * {@link dev.tollgate.api.http.Filter} chain, and its last step, a
 * {@link dev.tollgate.api.http.Backend} route handler or an
 * {@link dev.tollgate.api.http.Endpoint}.
 *
 * <p>Bodies stream as {@link java.util.concurrent.Flow.Publisher}s of
 * {@link java.nio.ByteBuffer}; nothing is buffered unless a step asks for it with
 * {@link dev.tollgate.api.http.Exchange.Request#bufferBody()}, and then only within the route's
 * limit.
 */
package dev.tollgate.api.http;
