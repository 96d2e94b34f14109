package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.http.ChunkPublisher;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

import java.nio.ByteBuffer;

import static java.util.Objects.requireNonNull;

/**
 * An instance's response body (Jetty's {@link Content.Source}) as the {@code Flow.Publisher} the
 * runtime streams to the client, on the SPI's {@link ChunkPublisher}: each {@code request(n)}
 * reads up to n chunks; when Jetty has none ready it registers a non-blocking demand callback, so
 * no thread waits and Jetty may call back on the selector thread that read the bytes.
 *
 * <p>Nothing is copied or buffered here: a delivered chunk is released when the subscriber asks for
 * the next one (the runtime asks only once it has written the previous), so at most one chunk per
 * exchange is held and a slow client slows the instance through flow control. Cancelling (the
 * client went away) aborts the instance's response: an HTTP/2 stream is reset, an HTTP/1.1
 * connection closed. The {@link Listener} learns once how the body ended.
 */
final class ResponseBodyPublisher extends ChunkPublisher<Content.Chunk> {
    private final Content.Source source;
    private final Listener listener;
    private final Runnable onDataAvailable = Invocable.from(Invocable.InvocationType.NON_BLOCKING, this::dataAvailable);

    ResponseBodyPublisher(Content.Source source, Listener listener) {
        this.source = requireNonNull(source, "source is null");
        this.listener = requireNonNull(listener, "listener is null");
    }

    @Override
    protected Content.Chunk read() {
        return source.read();
    }

    @Override
    protected void demand() {
        source.demand(onDataAvailable);
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
    protected void completed() {
        listener.bodyCompleted();
    }

    @Override
    protected void cancelled() {
        listener.bodyCancelled();
    }

    @Override
    protected Throwable failed(Throwable failure) {
        return listener.bodyFailed(failure);
    }

    /** How the body ended; each method is called at most once, and only one of them. */
    interface Listener {
        /** The last byte was handed to the subscriber. */
        void bodyCompleted();

        /** The instance failed mid-body; returns the error to signal to the subscriber. */
        Throwable bodyFailed(Throwable failure);

        /** The subscriber cancelled (the client went away): the instance's response must be aborted. */
        void bodyCancelled();
    }
}
