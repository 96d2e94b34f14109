package dev.tollgate.plugin.backendgrpc.internal;

import com.google.protobuf.DynamicMessage;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.ChunkPublisher;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A server stream as the response body, with flow control end to end: a message is asked of the
 * instance ({@link ClientCall#request request(1)}) only when the client's side has asked for the
 * next buffer and the previous message has been handed on, so at most one message waits here and
 * grpc-java's HTTP/2 window stops the instance while the client reads slowly. Each message
 * becomes one buffer in the stream's {@link Encoding} (JSON in a {@link StreamFormat}, or gRPC-Web
 * frames), written (and flushed) by the runtime as it comes.
 *
 * <p>The attempt and the channel lease end with the body: completed, failed or cancelled (the
 * client went away, which cancels the call).
 */
final class ResponseStream extends ChunkPublisher<ResponseStream.Chunk> {
    private final ClientCall<DynamicMessage, DynamicMessage> call;
    private final ChannelPool.Lease lease;
    private final Attempt attempt;
    private final Encoding encoding;
    private final CallMetrics.MethodMetrics metrics;
    private final long started = System.nanoTime();
    private final Queue<Chunk> ready = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean requested = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile Metadata headers;
    private volatile Metadata trailers;
    private volatile Status earlyStatus;
    private long count;

    ResponseStream(ClientCall<DynamicMessage, DynamicMessage> call, ChannelPool.Lease lease, Attempt attempt, Encoding encoding,
                   CallMetrics.MethodMetrics metrics) {
        this.call = call;
        this.lease = lease;
        this.attempt = attempt;
        this.encoding = encoding;
        this.metrics = metrics;
    }

    /**
     * How a stream's messages and its end become bytes for the client. Called from the call's
     * listener (serialized by grpc-java); a runtime exception from {@link #message} cancels the
     * call and cuts the body off.
     */
    interface Encoding {
        /** The bytes of one message; {@code index} counts from 0. */
        ByteBuffer message(DynamicMessage message, long index);

        /**
         * The bytes that end a stream of {@code count} messages with its status and trailers, or
         * null when the encoding cannot say that the stream failed (the body is then cut off).
         */
        ByteBuffer end(Status status, Metadata trailers, long count);

        /** The JSON encoding of a {@link StreamFormat}, failed streams ending with the JSON error shape. */
        static Encoding json(StreamFormat format, JsonCodec codec, String requestId) {
            return new Encoding() {
                @Override
                public ByteBuffer message(DynamicMessage message, long index) {
                    return bytes(format.message(codec.print(message), index));
                }

                @Override
                public ByteBuffer end(Status status, Metadata trailers, long count) {
                    if (status.isOk()) {
                        return bytes(format.end(count));
                    }
                    String text = format.error(GrpcErrors.body(status, trailers, requestId, codec));
                    return text == null ? null : bytes(text);
                }
            };
        }
    }

    record Chunk(ByteBuffer buffer, boolean last, Throwable failure) {
    }

    // --- from the call's listener (serialized by grpc-java)

    void headers(Metadata received) {
        headers = received;
    }

    void message(DynamicMessage message) {
        metrics.messageReceived();
        Chunk chunk;
        try {
            chunk = new Chunk(encoding.message(message, count++), false, null);
        }
        catch (RuntimeException e) {
            call.cancel("a message cannot be encoded for the client", e);
            chunk = new Chunk(null, true, new GatewayException(ErrorCode.BAD_GATEWAY, "a message of the stream cannot be encoded for the client", e));
        }
        ready.add(chunk);
        requested.set(false);
        dataAvailable();
    }

    void closed(Status status, Metadata received) {
        trailers = received;
        end(status);
        ByteBuffer end = encoding.end(status, received, count);
        ready.add(end != null ? new Chunk(end, true, null)
                : new Chunk(null, true, new GatewayException(ErrorCode.BAD_GATEWAY, "the stream failed: " + status.getCode()
                        + (status.getDescription() == null ? "" : " " + status.getDescription()))));
        requested.set(false);
        dataAvailable();
    }

    /** Trailers-only: the call ended before any header or message. */
    void closedBeforeHeaders(Status status, Metadata received) {
        trailers = received;
        earlyStatus = status;
        end(status);
    }

    private void end(Status status) {
        if (finished.compareAndSet(false, true)) {
            lease.close();
            metrics.ended(status.getCode(), System.nanoTime() - started);
        }
    }

    // --- for the call

    Metadata headers() {
        return headers;
    }

    Metadata trailers() {
        return trailers;
    }

    /** The status of a call that ended before its headers, or null. */
    Status earlyStatus() {
        return earlyStatus;
    }

    Attempt attempt() {
        return attempt;
    }

    /** Abandons a stream that will not be delivered (a retry replaced it, or the client left). */
    void abandon() {
        call.cancel("abandoned", null);
        end(Status.CANCELLED);
    }

    // --- the body

    @Override
    protected Chunk read() {
        return ready.poll();
    }

    @Override
    protected void demand() {
        if (!finished.get() && requested.compareAndSet(false, true)) {
            call.request(1);
        }
    }

    @Override
    protected ByteBuffer buffer(Chunk chunk) {
        return chunk.buffer() == null ? ByteBuffer.allocate(0) : chunk.buffer();
    }

    @Override
    protected boolean isLast(Chunk chunk) {
        return chunk.last();
    }

    @Override
    protected Throwable failure(Chunk chunk) {
        return chunk.failure();
    }

    @Override
    protected void release(Chunk chunk) {
    }

    @Override
    protected void completed() {
        attempt.close();
    }

    @Override
    protected void cancelled() {
        call.cancel("the client went away", null);
        end(Status.CANCELLED);
        attempt.close();
    }

    @Override
    protected Throwable failed(Throwable failure) {
        attempt.close();
        return failure;
    }

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }
}
