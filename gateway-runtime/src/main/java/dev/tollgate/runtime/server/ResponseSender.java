package dev.tollgate.runtime.server;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Headers;
import dev.tollgate.runtime.plugin.ContextClassLoader;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Writes an exchange's response to Jetty once its chain has completed, and completes Jetty's
 * callback exactly once: this is the callback of the last write.
 *
 * <p>Nothing is sent while the chain runs: status and headers accumulate in Jetty's (uncommitted)
 * response, and the body is only a publisher. When the chain completes, the response goes out in
 * one write if its body is in memory, or streams from the body publisher one buffer at a time
 * ({@link ResponseWriter}). A chain that failed after all (an error no filter was left to turn
 * into a response) is answered with the JSON error shape first. {@code Content-Length} follows
 * the body ({@link ExchangeResponse}); trailers are handed to Jetty before the first write.
 *
 * <p>When the exchange ends — the last write completed, or failed — the route's metrics record
 * it, the exchange's completion listeners learn how, and the generation's in-flight count drops.
 */
final class ResponseSender implements Callback {
    private static final Logger LOG = LoggerFactory.getLogger(ResponseSender.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final GatewayExchange exchange;
    private final org.eclipse.jetty.server.Request jettyRequest;
    private final org.eclipse.jetty.server.Response jettyResponse;
    private final Callback callback;
    private final ErrorResponses errors;
    private final long startNanos;
    private final Runnable onEnd;

    ResponseSender(GatewayExchange exchange, org.eclipse.jetty.server.Request jettyRequest,
                   org.eclipse.jetty.server.Response jettyResponse, Callback callback, ErrorResponses errors,
                   long startNanos, Runnable onEnd) {
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.jettyRequest = requireNonNull(jettyRequest, "jettyRequest is null");
        this.jettyResponse = requireNonNull(jettyResponse, "jettyResponse is null");
        this.callback = requireNonNull(callback, "callback is null");
        this.errors = requireNonNull(errors, "errors is null");
        this.startNanos = startNanos;
        this.onEnd = requireNonNull(onEnd, "onEnd is null");
    }

    org.eclipse.jetty.server.Response jettyResponse() {
        return jettyResponse;
    }

    /** The chain's stage completed: writes the response (or the error the chain failed with). */
    void chainCompleted(Void ignored, Throwable failure) {
        if (exchange.isUpgraded()) {
            // The WebSocket handshake answers the request; only a refused upgrade is answered here.
            if (failure != null && !jettyResponse.isCommitted()) {
                exchange.upgradeFailed();
                respondError(failure);
            }
            return;
        }
        if (failure != null) {
            respondError(failure);
            return;
        }
        try {
            writeResponse();
        }
        catch (RuntimeException e) {
            respondError(e);
        }
    }

    private void respondError(Throwable failure) {
        if (jettyResponse.isCommitted()) {
            abort(ErrorResponses.unwrap(failure));
            return;
        }
        try {
            errors.respond(exchange, failure);
            writeResponse();
        }
        catch (RuntimeException e) {
            abort(e);
        }
    }

    private void writeResponse() {
        ExchangeResponse response = exchange.response();
        settleRequestBody(response.error().isPresent(), response.streamingBody() == null);
        int status = response.status();
        jettyResponse.setStatus(status);
        boolean head = "HEAD".equals(jettyRequest.getMethod());
        if (!head && status != HttpStatus.NO_CONTENT_204 && status != HttpStatus.NOT_MODIFIED_304) {
            long length = response.lengthToSend();
            if (length >= 0) {
                jettyResponse.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
            }
            else if (length == -1) {
                jettyResponse.getHeaders().remove(HttpHeader.CONTENT_LENGTH);
            }
        }
        applyTrailers(response.trailers());
        ByteBuffer fixed = response.fixedBody();
        Flow.Publisher<ByteBuffer> streaming = response.streamingBody();
        if (fixed != null) {
            jettyResponse.write(true, head ? EMPTY : fixed, this);
        }
        else if (streaming != null) {
            ResponseWriter writer = new ResponseWriter(this, jettyResponse, exchange.target().minResponseDataRate());
            ClassLoader previous = ContextClassLoader.enter(exchange.target().targetLoader());
            try {
                streaming.subscribe(writer);
            }
            finally {
                ContextClassLoader.exit(previous);
            }
        }
        else {
            jettyResponse.write(true, EMPTY, this);
        }
    }

    /**
     * Settles the request body before the response commits, so that Jetty frames the response for
     * what the connection does next. Left to itself, Jetty settles it once the response is
     * complete: an HTTP/1.1 body still on its way then closes a connection the response did not
     * say {@code Connection: close} for, and a client that sends its next request on it meets a
     * reset. A body nobody opened is skipped if it has arrived whole; if not, Jetty closes the
     * connection after this response and says so. An error answered while the body was being read
     * closes the connection too: nobody reads the rest, and it must not be taken for the next
     * request. So does a whole response that is ready while the opened body is still being read —
     * a backend's early answer (a 503 or 413 on the request head): the response completes with
     * this write, before the rest of the body can be read. A streaming response leaves it open:
     * the body may go on flowing beside it (full duplex) and end before the response does.
     *
     * @param error whether the response is the gateway's error answer
     * @param whole whether the response's body is at hand whole (it completes with one write)
     */
    private void settleRequestBody(boolean error, boolean whole) {
        if (!exchange.isRequestBodyOpened()) {
            jettyRequest.consumeAvailable();
        }
        else if ((error || whole) && !exchange.isRequestBodyReadWhole()) {
            jettyResponse.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
    }

    /** Hands the trailers supplier to Jetty: before the first write, which commits the framing. */
    private void applyTrailers(Supplier<Headers> trailers) {
        if (trailers == null) {
            return;
        }
        jettyResponse.setTrailersSupplier(() -> {
            Headers headers = trailers.get();
            if (headers == null) {
                return HttpFields.EMPTY;
            }
            if (headers instanceof JettyHeaders jetty) {
                return jetty.fields();
            }
            HttpFields.Mutable fields = HttpFields.build(headers.size());
            headers.forEach(fields::add);
            return fields;
        });
    }

    /** Asks the body publisher for one more buffer, with the body's class loader as context. */
    void requestMore(Flow.Subscription subscription) {
        ClassLoader previous = ContextClassLoader.enter(exchange.target().targetLoader());
        try {
            subscription.request(1);
        }
        finally {
            ContextClassLoader.exit(previous);
        }
    }

    /** The body publisher completed. */
    void bodyCompleted() {
        jettyResponse.write(true, EMPTY, this);
    }

    /** The body publisher failed: an error response if nothing was sent yet, else an abort. */
    void bodyFailed(Throwable failure) {
        Throwable cause = ErrorResponses.unwrap(failure);
        if (!jettyResponse.isCommitted()) {
            respondError(cause);
        }
        else {
            if (cause instanceof GatewayException refusal && refusal.code().httpStatus() < 500) {
                // The client's doing (a request body it cut off, streamed into this response): counted as a client error.
                LOG.debug("Request {} on route {}: response body failed after the response was committed: {}",
                        exchange.requestId(), exchange.route().id(), cause.toString());
            }
            else {
                LOG.warn("Request {} on route {}: response body failed after the response was committed: {}",
                        exchange.requestId(), exchange.route().id(), cause.toString());
            }
            abort(cause);
        }
    }

    /** Ends the exchange with a failure; Jetty resets the stream or closes the connection. */
    void abort(Throwable failure) {
        failed(failure);
    }

    @Override
    public void succeeded() {
        if (exchange.end(null)) {
            exchange.target().metrics().record(jettyResponse.getStatus(), System.nanoTime() - startNanos);
            onEnd.run();
            callback.succeeded();
        }
    }

    @Override
    public void failed(Throwable failure) {
        if (exchange.end(failure)) {
            exchange.target().metrics().recordFailure(System.nanoTime() - startNanos);
            onEnd.run();
            callback.failed(failure);
        }
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }
}
