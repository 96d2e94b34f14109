package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.ChunkPublisher;
import dev.tollgate.api.http.Headers;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * The request body read from Jetty as the subscriber asks ({@link ChunkPublisher} does the
 * Reactive Streams part): when Jetty has no chunk ready it registers a non-blocking demand
 * callback, so a streaming exchange never parks a thread, and Jetty may call back on the
 * selector thread that read the bytes.
 *
 * <p>On top of reading it enforces the route's body size limit (413) and the client's minimum
 * data rate (408) — counting only the time spent waiting for the client's bytes while the
 * subscriber wanted them, so a backend slow to take the body is not the client's fault — and
 * keeps the trailers that end the body.
 *
 * <p>A body the client stops sending — it resets the stream, breaks the HTTP/2 connection, or
 * closes the connection early — fails as a 400 {@link GatewayException} and is counted as a
 * {@link ClientErrors client error}: the client's doing, not the gateway's, and not logged as one.
 */
final class RequestBodyPublisher extends ChunkPublisher<Content.Chunk> {
    private static final long RATE_GRACE_NANOS = 1_000_000_000L;

    private final Request request;
    private final long maxBodySize;
    private final long minDataRate;
    private final ClientErrors clientErrors;
    private final String requestId;
    private final Runnable onDataAvailable = Invocable.from(Invocable.InvocationType.NON_BLOCKING, this::dataAvailable);
    // Only touched from the drain loop.
    private long bytesRead;
    private long waitingNanos;
    private long waitStartNanos;
    private volatile Headers trailers;
    private volatile boolean readWhole;

    RequestBodyPublisher(Request request, long maxBodySize, long minDataRate, ClientErrors clientErrors, String requestId) {
        this.request = requireNonNull(request, "request is null");
        this.maxBodySize = maxBodySize;
        this.minDataRate = minDataRate;
        this.clientErrors = requireNonNull(clientErrors, "clientErrors is null");
        this.requestId = requireNonNull(requestId, "requestId is null");
    }

    /** Trailers received with the body, or {@code null}. */
    Headers trailers() {
        return trailers;
    }

    /** Whether the body's last chunk was read from Jetty (and accepted): nothing of it is left on the connection. */
    boolean isReadWhole() {
        return readWhole;
    }

    @Override
    protected Content.Chunk read() {
        if (waitStartNanos != 0) {
            waitingNanos += System.nanoTime() - waitStartNanos;
            waitStartNanos = 0;
        }
        return request.read();
    }

    @Override
    protected void demand() {
        if (minDataRate > 0) {
            waitStartNanos = System.nanoTime();
        }
        request.demand(onDataAvailable);
    }

    @Override
    protected ByteBuffer buffer(Content.Chunk chunk) {
        return chunk.getByteBuffer();
    }

    @Override
    protected boolean isLast(Content.Chunk chunk) {
        return chunk.isLast();
    }

    @Override
    protected Throwable failure(Content.Chunk chunk) {
        return Content.Chunk.isFailure(chunk) ? chunk.getFailure() : null;
    }

    @Override
    protected void release(Content.Chunk chunk) {
        chunk.release();
    }

    @Override
    protected Throwable accept(Content.Chunk chunk, ByteBuffer buffer) {
        if (chunk instanceof Trailers withTrailers) {
            trailers = JettyHeaders.copyOnWrite(withTrailers.getTrailers());
        }
        int size = buffer.remaining();
        bytesRead += size;
        if (bytesRead > maxBodySize) {
            return new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds " + maxBodySize + " bytes");
        }
        if (size > 0 && minDataRate > 0 && waitingNanos > RATE_GRACE_NANOS && bytesRead * 1_000_000_000L / waitingNanos < minDataRate) {
            return new GatewayException(ErrorCode.REQUEST_TIMEOUT, "request body arrives slower than " + minDataRate + " bytes per second");
        }
        if (chunk.isLast()) {
            readWhole = true;
        }
        return null;
    }

    @Override
    protected Throwable failed(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return new GatewayException(ErrorCode.REQUEST_TIMEOUT, "timed out reading the request body", failure);
        }
        if (failure instanceof GatewayException) {
            return failure;
        }
        if (failure instanceof IOException) {
            // Jetty's EofException (an early EOF, a reset stream, a broken HTTP/2 connection).
            clientErrors.record(ClientErrors.Reason.ABORTED_BODY, request.getConnectionMetaData().getRemoteSocketAddress(),
                    "request " + requestId + ": the body was cut off: " + failure.getMessage(), failure);
            return new GatewayException(ErrorCode.BAD_REQUEST, "the request body was cut off: " + failure.getMessage(), failure);
        }
        if (failure instanceof org.eclipse.jetty.http.HttpException httpException) {
            // A malformed body (bad chunked coding).
            clientErrors.record(ClientErrors.Reason.MALFORMED_REQUEST, request.getConnectionMetaData().getRemoteSocketAddress(),
                    "request " + requestId + ": " + failure.getMessage(), failure);
            return new GatewayException(ErrorCode.forHttpStatus(httpException.getCode()),
                    httpException.getReason() == null ? "bad request body" : httpException.getReason(), failure);
        }
        return failure;
    }
}
