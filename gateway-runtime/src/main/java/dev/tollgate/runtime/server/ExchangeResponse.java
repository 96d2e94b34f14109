package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Bodies;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import org.eclipse.jetty.http.HttpHeader;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The response of an exchange while its chain runs: status, headers, body and trailers, which
 * filters may change until the chain completes and {@link ResponseSender} writes them.
 *
 * <p>The body is in memory ({@link #setBody(ByteBuffer)}, written in one go) or a publisher
 * (streamed). Its length is tracked so that {@code Content-Length} stays right when a filter
 * replaces the body: an in-memory body or one set with a length is authoritative; a publisher set
 * without a length is of unknown length — except the first body of a response, which a backend
 * sets after copying its instance's headers, so the {@code Content-Length} it copied stands.
 *
 * <p>Not thread-safe: an exchange is handled by one thread at a time.
 */
final class ExchangeResponse implements Exchange.Response {
    /** The length is what the {@code Content-Length} header says (a backend's first, relayed body). */
    static final long LENGTH_FROM_HEADERS = -2;

    private final JettyHeaders headers;
    private final LongSupplier maxBufferedBodySize;
    private int status = 200;
    private ByteBuffer fixedBody;
    private Flow.Publisher<ByteBuffer> streamingBody;
    private long contentLength;
    private boolean bodySet;
    private Supplier<Headers> trailers;
    private GatewayException error;
    private CompletionStage<ByteBuffer> buffered;

    /**
     * @param headers the response fields (Jetty's own, or a copy's), changed in place
     * @param maxBufferedBodySize the most {@link #bufferBody} may hold (the route's, once routed)
     */
    ExchangeResponse(JettyHeaders headers, LongSupplier maxBufferedBodySize) {
        this.headers = requireNonNull(headers, "headers is null");
        this.maxBufferedBodySize = requireNonNull(maxBufferedBodySize, "maxBufferedBodySize is null");
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public void setStatus(int newStatus) {
        if (newStatus < 100 || newStatus > 999) {
            throw new IllegalArgumentException("not an HTTP status: " + newStatus);
        }
        status = newStatus;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    JettyHeaders jettyHeaders() {
        return headers;
    }

    @Override
    public Flow.Publisher<ByteBuffer> body() {
        if (streamingBody != null) {
            return streamingBody;
        }
        return fixedBody != null ? Bodies.of(fixedBody) : Bodies.empty();
    }

    @Override
    public void setBody(Flow.Publisher<ByteBuffer> body) {
        setStreamingBody(body, bodySet ? -1 : LENGTH_FROM_HEADERS);
    }

    @Override
    public void setBody(Flow.Publisher<ByteBuffer> body, long length) {
        setStreamingBody(body, length < 0 ? -1 : length);
    }

    private void setStreamingBody(Flow.Publisher<ByteBuffer> body, long length) {
        requireNonNull(body, "body is null");
        ByteBuffer inMemory = Bodies.contentOf(body);
        if (inMemory != null) {
            setBody(inMemory);
            return;
        }
        streamingBody = body;
        fixedBody = null;
        contentLength = length;
        bodySet = true;
        buffered = null;
    }

    @Override
    public void setBody(ByteBuffer content) {
        fixedBody = requireNonNull(content, "content is null").slice();
        streamingBody = null;
        contentLength = fixedBody.remaining();
        bodySet = true;
        buffered = null;
    }

    @Override
    public long contentLength() {
        if (contentLength != LENGTH_FROM_HEADERS) {
            return contentLength;
        }
        String declared = headers.get(HttpHeader.CONTENT_LENGTH.asString());
        try {
            return declared == null ? -1 : Long.parseLong(declared.trim());
        }
        catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The length to send: {@link #LENGTH_FROM_HEADERS}, -1 for unknown, or the length. */
    long lengthToSend() {
        return contentLength;
    }

    @Override
    public CompletionStage<ByteBuffer> bufferBody() {
        if (buffered != null) {
            return buffered;
        }
        if (fixedBody != null || streamingBody == null) {
            buffered = CompletableFuture.completedFuture(fixedBody == null ? ByteBuffer.allocate(0).asReadOnlyBuffer() : fixedBody.asReadOnlyBuffer());
            return buffered;
        }
        long limit = maxBufferedBodySize.getAsLong();
        long declared = contentLength();
        if (declared > limit) {
            return CompletableFuture.failedFuture(tooLarge(limit));
        }
        Flow.Publisher<ByteBuffer> source = streamingBody;
        CompletionStage<ByteBuffer> result = Bodies.collect(source, limit, () -> tooLarge(limit)).thenApply(content -> {
            if (streamingBody == source) {
                setBody(content);
            }
            return content.asReadOnlyBuffer();
        });
        buffered = result;
        return result;
    }

    private static GatewayException tooLarge(long limit) {
        return new GatewayException(ErrorCode.BAD_GATEWAY,
                "the response body exceeds the " + limit + " bytes this route may hold in memory to transform");
    }

    /** The in-memory body, or null. */
    ByteBuffer fixedBody() {
        return fixedBody;
    }

    /** The streamed body, or null. */
    Flow.Publisher<ByteBuffer> streamingBody() {
        return streamingBody;
    }

    @Override
    public void setTrailers(Supplier<Headers> newTrailers) {
        trailers = newTrailers;
    }

    @Override
    public Supplier<Headers> trailers() {
        return trailers;
    }

    @Override
    public Optional<GatewayException> error() {
        return Optional.ofNullable(error);
    }

    /** This response now answers {@code failure} (set by {@link ErrorResponses}). */
    void markError(GatewayException failure) {
        error = failure;
    }
}
