package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpGenerator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.CyclicTimeout;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * One HTTP/1.1 connection to an instance, written directly on Jetty's I/O layer: the request
 * generated with {@link HttpGenerator} from header fields built once, the response parsed with
 * {@link HttpParser}, the socket an {@link EndPoint} of the service's {@code ClientConnector}.
 * It carries one exchange at a time ({@link Http1Call}) and goes back to its {@link Http1Pool}
 * when the response has been read whole.
 *
 * <p>Compared with Jetty's {@code HttpClient}, which it replaces for clear-text HTTP/1.1, there is
 * no conversation, no per-request listener lists, content decoders or protocol handlers, no
 * request object to fill, and no queue between the pool and the connection: a response arrives
 * on the selector thread, is parsed there, and — when it is small and already whole, the common
 * case for APIs — handed over as one buffer with the connection back in the pool before the
 * client's response is written. Larger or chunked bodies stream: the body publisher reads the
 * socket when the client's side asks for more, so a slow client slows the instance down through
 * TCP flow control and nothing is buffered beyond the connection's input buffer.
 *
 * <h2>Phases</h2>
 * <ul>
 *   <li>IDLE — in the pool, reading only to notice that the instance closed it;</li>
 *   <li>HEAD — the request is being sent, the response's status and headers are awaited; the
 *       selector's read callback parses;</li>
 *   <li>BODY — the response body streams; the body publisher reads, and asks for a read callback
 *       when the socket has nothing;</li>
 *   <li>CLOSED.</li>
 * </ul>
 * Reading (the parser, the input buffer) happens on one thread at a time: the read callback in
 * IDLE and HEAD, the publisher's drain loop in BODY, and the phase changes from HEAD to BODY on
 * the reading thread itself. Phase changes are made under the connection's lock; sending runs on
 * the request's thread and then on the threads completing writes.
 */
final class Http1Connection extends AbstractConnection implements HttpParser.ResponseHandler {
    /** Settings shared by the connections to one service. */
    record Settings(int maxResponseHeaderSize, long idleTimeoutMillis, Scheduler scheduler) {
        Settings {
            requireNonNull(scheduler, "scheduler is null");
        }
    }

    /** Responses up to this size that arrived whole with their headers are handed over as one buffer. */
    static final int WHOLE_RESPONSE_LIMIT = 32 * 1024;
    private static final int INPUT_BUFFER_SIZE = 16 * 1024;
    private static final int HEADER_BUFFER_SIZE = 8 * 1024;
    private static final int MAX_REQUEST_HEADER_SIZE = 64 * 1024;

    private enum Phase { IDLE, HEAD, BODY, CLOSED }

    private final Http1Pool pool;
    private final Settings settings;
    private final HttpParser parser;
    private final HttpGenerator generator = new HttpGenerator();
    private final ByteBuffer input = BufferUtil.allocateDirect(INPUT_BUFFER_SIZE);
    private final ByteBuffer headerBuffer = BufferUtil.allocateDirect(HEADER_BUFFER_SIZE);
    private final ByteBuffer chunkBuffer = BufferUtil.allocateDirect(HttpGenerator.CHUNK_SIZE);
    private final Callback readCallback = new ReadCallback();
    private final CyclicTimeout responseTimeout;
    private Phase phase = Phase.IDLE;
    private boolean gone;
    private volatile Http1Call call;
    /** The exchange whose response timeout runs: a late expiry must not hit the next exchange. */
    private volatile Http1Call timed;
    private boolean aborted;
    // Both ends of an exchange, under the lock: the second to finish decides the connection's fate.
    private boolean requestComplete;
    private boolean lastWritten;
    private boolean requestHasBody;
    /** The instance answered a request whose body was not sent whole yet. */
    private boolean answeredEarly;
    private boolean responseComplete;
    private boolean reusableAfterResponse;

    // Response state, touched by the reading thread only.
    private int status;
    private HttpVersion version;
    private HttpFields.Mutable fields;
    private HttpFields.Mutable trailers;
    private ByteBuffer content;
    private boolean headersDone;
    private boolean complete;
    private boolean persistent;
    private boolean eof;
    private volatile Throwable parseFailure;
    private final EventLoop loop;

    /**
     * @param loop the gateway's event loop the endpoint is on, {@code null} for an endpoint of the
     *        service's own connector
     */
    Http1Connection(EndPoint endPoint, Http1Pool pool, Settings settings, EventLoop loop) {
        super(endPoint, Runnable::run);
        this.loop = loop;
        this.pool = requireNonNull(pool, "pool is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.parser = new HttpParser(this, settings.maxResponseHeaderSize(), HttpCompliance.RFC9110);
        this.parser.setHeaderCacheSize(1024);
        this.responseTimeout = new CyclicTimeout(settings.scheduler()) {
            @Override
            public void onTimeoutExpired() {
                responseTimedOut();
            }
        };
    }

    /** The gateway's event loop the connection is on; {@code null} off the loops. */
    EventLoop loop() {
        return loop;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        getEndPoint().tryFillInterested(readCallback);
    }

    // --- the pool's bookkeeping (called under the pool's lock or right after)

    /** Reserves the connection for an exchange; false when it has closed. */
    synchronized boolean activate() {
        return phase != Phase.CLOSED;
    }

    /** Whether the pool has counted this connection out; true the first time it asks. */
    synchronized boolean markGone() {
        if (gone) {
            return false;
        }
        gone = true;
        return true;
    }

    synchronized boolean isClosed() {
        return phase == Phase.CLOSED;
    }

    // --- sending

    /**
     * Sends {@code exchange}'s request: the header fields as built by the call, then its body, if
     * any. The response is read as it comes, even before the body has been sent whole.
     */
    void send(Http1Call exchange, MetaData.Request request, Content.Source body, boolean head, long idleTimeoutMillis) {
        // The reader's state first; the lock below publishes it to the reading thread.
        status = 0;
        fields = null;
        trailers = null;
        content = null;
        headersDone = false;
        complete = false;
        eof = false;
        parseFailure = null;
        parser.reset();
        parser.setHeadResponse(head);
        generator.reset();
        synchronized (this) {
            if (phase == Phase.CLOSED) {
                exchange.failed(new ClosedChannelException());
                pool.release(this, false);
                return;
            }
            phase = Phase.HEAD;
            call = exchange;
            aborted = false;
            requestComplete = false;
            lastWritten = false;
            requestHasBody = body != null;
            answeredEarly = false;
            responseComplete = false;
        }
        getEndPoint().setIdleTimeout(idleTimeoutMillis);
        new RequestWriter(exchange, request, body).iterate();
        if (getEndPoint().isOpen()) {
            getEndPoint().tryFillInterested(readCallback);
        }
    }

    /** Sends the request's head, then its body one chunk at a time, as the body's source offers it. */
    private final class RequestWriter extends IteratingCallback implements Runnable, Invocable {
        private final Http1Call exchange;
        private final MetaData.Request request;
        private final Content.Source body;
        private Content.Chunk chunk;
        private boolean headerSent;
        private boolean bodyEnded;
        private ByteBuffer header;
        private ByteBuffer trailerBuffer;

        RequestWriter(Http1Call exchange, MetaData.Request request, Content.Source body) {
            this.exchange = exchange;
            this.request = request;
            this.body = body;
            this.bodyEnded = body == null;
        }

        @Override
        protected Action process() throws Throwable {
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
            if (call != exchange) {
                throw new ClosedChannelException();
            }
            ByteBuffer bytes = null;
            boolean last = bodyEnded;
            if (!bodyEnded) {
                Content.Chunk next = body.read();
                if (next == null) {
                    if (headerSent) {
                        body.demand(this);
                        return Action.IDLE;
                    }
                    // The head goes now; the body follows when it arrives.
                }
                else {
                    if (Content.Chunk.isFailure(next)) {
                        throw next.getFailure();
                    }
                    chunk = next;
                    bytes = next.getByteBuffer();
                    last = next.isLast();
                    bodyEnded = last;
                }
            }
            ByteBuffer chunkBytes = null;
            while (true) {
                HttpGenerator.Result result = generator.generateRequest(headerSent ? null : request, header, chunkBytes, bytes, last);
                switch (result) {
                    case NEED_HEADER -> header = emptied(headerBuffer);
                    case HEADER_OVERFLOW -> {
                        if (header.capacity() >= MAX_REQUEST_HEADER_SIZE) {
                            throw new HttpException.IllegalArgumentException(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431,
                                    "the request headers for the instance exceed " + MAX_REQUEST_HEADER_SIZE + " bytes");
                        }
                        generator.reset();
                        header = BufferUtil.allocate(MAX_REQUEST_HEADER_SIZE);
                    }
                    case NEED_CHUNK -> chunkBytes = emptied(chunkBuffer);
                    case NEED_CHUNK_TRAILER -> {
                        if (trailerBuffer == null) {
                            trailerBuffer = BufferUtil.allocate(HEADER_BUFFER_SIZE);
                        }
                        chunkBytes = emptied(trailerBuffer);
                    }
                    case FLUSH -> {
                        if (last) {
                            synchronized (Http1Connection.this) {
                                lastWritten = true;
                            }
                        }
                        boolean withHeader = !headerSent;
                        headerSent = true;
                        ByteBuffer first = withHeader ? header : BufferUtil.EMPTY_BUFFER;
                        ByteBuffer second = chunkBytes == null ? BufferUtil.EMPTY_BUFFER : chunkBytes;
                        ByteBuffer third = bytes == null ? BufferUtil.EMPTY_BUFFER : bytes;
                        getEndPoint().write(this, first, second, third);
                        return Action.SCHEDULED;
                    }
                    case CONTINUE -> {
                    }
                    case DONE, SHUTDOWN_OUT -> {
                        if (last && generator.isEnd()) {
                            return Action.SUCCEEDED;
                        }
                        // An empty chunk of a body that goes on: read the next one.
                        return process();
                    }
                    default -> throw new IllegalStateException("unexpected generator state " + result);
                }
            }
        }

        /** The body's source has data again. */
        @Override
        public void run() {
            iterate();
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        @Override
        protected void onCompleteSuccess() {
            boolean finish;
            synchronized (Http1Connection.this) {
                requestComplete = true;
                finish = responseComplete && call == exchange;
            }
            if (finish) {
                // The response was read whole before this write completed: the connection's fate is decided here.
                release(exchange, reusableAfterResponse);
                return;
            }
            exchange.requestSent();
        }

        @Override
        protected void onCompleteFailure(Throwable failure) {
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
            // After a response the instance sent before taking the whole body, the rest of the
            // body is the runtime's to settle with the client: only an unanswered request fails it.
            if (body != null && !exchange.isAnswered()) {
                body.fail(failure);
            }
            exchange.failed(failure);
            Http1Connection.this.close(failure);
        }
    }

    /** The buffer, empty and ready for the generator to fill (Jetty's buffers rest in flush mode). */
    private static ByteBuffer emptied(ByteBuffer buffer) {
        BufferUtil.clear(buffer);
        return buffer;
    }

    /** Arms the response timeout: the request went out whole. */
    void awaitResponse(Http1Call exchange, long timeoutMillis) {
        if (timeoutMillis > 0) {
            timed = exchange;
            responseTimeout.schedule(timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void responseTimedOut() {
        Http1Call exchange;
        synchronized (this) {
            exchange = phase == Phase.HEAD && call == timed ? call : null;
        }
        if (exchange != null) {
            TimeoutException timeout = new TimeoutException("no response within the response timeout");
            exchange.failed(timeout);
            close(timeout);
        }
    }

    // --- reading

    private final class ReadCallback implements Callback {
        @Override
        public void succeeded() {
            readable();
        }

        @Override
        public void failed(Throwable failure) {
            Http1Call exchange;
            Phase current;
            synchronized (Http1Connection.this) {
                exchange = call;
                current = phase;
            }
            if (current == Phase.BODY && exchange != null) {
                parseFailure = failure;
                exchange.bodyReadable();
                return;
            }
            if (exchange != null) {
                exchange.failed(failure);
            }
            close(failure);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }

    @Override
    public void onFillable() {
        readable();
    }

    private void readable() {
        Phase current;
        Http1Call exchange;
        synchronized (this) {
            current = phase;
            exchange = call;
        }
        switch (current) {
            case IDLE -> readIdle();
            case HEAD -> readHead(exchange);
            case BODY -> exchange.bodyReadable();
            default -> {
            }
        }
    }

    /** In the pool: anything but "nothing yet" (the instance closed, or sent bytes nobody asked for) closes it. */
    private void readIdle() {
        try {
            BufferUtil.clear(input);
            int read = getEndPoint().fill(input);
            if (read == 0) {
                getEndPoint().tryFillInterested(readCallback);
                return;
            }
            close(new EOFException(read < 0 ? "the instance closed an idle connection" : "the instance sent bytes on an idle connection"));
        }
        catch (Throwable failure) {
            close(failure);
        }
    }

    /** Parses the response's head; then hands it over, whole with a small body, or to stream. */
    private void readHead(Http1Call exchange) {
        try {
            while (true) {
                boolean stop = parser.parseNext(input);
                if (parseFailure != null) {
                    throw parseFailure;
                }
                if (stop) {
                    if (headersDone) {
                        break;
                    }
                    if (complete) {
                        // An interim response (103 Early Hints): the final one follows.
                        complete = false;
                        parser.reset();
                        parser.setHeadResponse(exchange.isHead());
                    }
                    continue;
                }
                if (eof) {
                    throw new EOFException("the instance closed the connection without a response");
                }
                int read = getEndPoint().fill(input);
                if (read == 0) {
                    getEndPoint().tryFillInterested(readCallback);
                    return;
                }
                if (read < 0) {
                    eof = true;
                    parser.atEOF();
                }
            }
            responseTimeout.cancel();
            headersComplete(exchange);
        }
        catch (Throwable failure) {
            responseTimeout.cancel();
            exchange.failed(failure);
            close(failure);
        }
    }

    /**
     * The final status and headers are parsed. A body that is already in the input buffer whole
     * (and small), or none at all, is taken now: the connection goes back to the pool before the
     * call hears of the response. Otherwise the body streams.
     */
    private void headersComplete(Http1Call exchange) throws Throwable {
        if (requestHasBody) {
            // Set by send() before the lock that published the exchange to this thread: no lock for a body-less request.
            synchronized (this) {
                answeredEarly = !requestComplete;
            }
        }
        persistent = isPersistent();
        long length = parser.getContentLength();
        boolean whole = exchange.isHead() || status == HttpStatus.NO_CONTENT_204 || status == HttpStatus.NOT_MODIFIED_304
                || !parser.isChunking() && length >= 0 && length <= input.remaining() && length <= WHOLE_RESPONSE_LIMIT;
        if (whole) {
            ByteBuffer body = BufferUtil.EMPTY_BUFFER;
            while (!complete) {
                if (!parser.parseNext(input) && !input.hasRemaining() && !complete) {
                    // The parser wants more than the buffer holds: stream after all.
                    break;
                }
                if (parseFailure != null) {
                    throw parseFailure;
                }
                if (content != null) {
                    body = copy(body, content);
                    content = null;
                }
            }
            if (complete) {
                HttpFields.Mutable responseFields = fields;
                HttpFields.Mutable responseTrailers = trailers;
                // The call takes the response first, so that closing the connection (a request not
                // sent whole) cannot fail it; it hears of it once the connection is back in the pool.
                boolean taken = exchange.responseReceived(status, version, responseFields, body, responseTrailers);
                finishMessage(exchange);
                if (taken) {
                    exchange.announce();
                }
                return;
            }
            if (body.hasRemaining()) {
                // Partly consumed (should not happen with a length that fits): give up streaming it half-way.
                throw new IOException("the instance's response body could not be read whole");
            }
        }
        synchronized (this) {
            if (phase != Phase.HEAD || call != exchange) {
                return;
            }
            phase = Phase.BODY;
        }
        if (exchange.responseReceived(status, version, fields, null, null)) {
            exchange.announce();
        }
    }

    private static ByteBuffer copy(ByteBuffer collected, ByteBuffer more) {
        if (!collected.hasRemaining()) {
            ByteBuffer copy = ByteBuffer.allocate(more.remaining());
            copy.put(more).flip();
            return copy;
        }
        ByteBuffer joined = ByteBuffer.allocate(collected.remaining() + more.remaining());
        joined.put(collected).put(more).flip();
        return joined;
    }

    /**
     * The body publisher's read: the next chunk of the response body, the end, a failure, or null
     * when the socket has nothing now (then {@link #demandBody} arranges a callback).
     */
    Content.Chunk readBody(Http1Call exchange) {
        try {
            while (true) {
                if (parseFailure != null) {
                    throw parseFailure;
                }
                if (call != exchange) {
                    throw new ClosedChannelException();
                }
                parser.parseNext(input);
                if (parseFailure != null) {
                    throw parseFailure;
                }
                if (content != null) {
                    ByteBuffer bytes = content;
                    content = null;
                    return Content.Chunk.from(bytes, false);
                }
                if (complete) {
                    exchange.trailers(trailers);
                    finishMessage(exchange);
                    return Content.Chunk.EOF;
                }
                if (eof) {
                    throw new EOFException("the instance closed the connection before the response was complete");
                }
                int read = getEndPoint().fill(input);
                if (read == 0) {
                    return null;
                }
                if (read < 0) {
                    eof = true;
                    parser.atEOF();
                }
            }
        }
        catch (Throwable failure) {
            close(failure);
            return Content.Chunk.from(failure, true);
        }
    }

    /** The body publisher found nothing to read: the read callback runs when there is. */
    void demandBody() {
        getEndPoint().tryFillInterested(readCallback);
    }

    /**
     * The response was read whole: the connection serves the next request if both sides allow it,
     * and is closed otherwise. If the head of a request without a body is still being written,
     * the writer decides when it is; a request not sent whole (the instance answered early)
     * closes it.
     */
    private void finishMessage(Http1Call exchange) {
        boolean reusable = persistent && !eof && !input.hasRemaining();
        boolean now;
        synchronized (this) {
            if (call != exchange || phase == Phase.CLOSED) {
                return;
            }
            responseComplete = true;
            reusableAfterResponse = reusable;
            // Only a request without a body whose head is being written waits for its write to
            // complete; an answer before a body was sent whole closes the connection (what the
            // instance made of the rest of the body is unknown).
            now = requestComplete || !lastWritten || requestHasBody;
            reusable &= requestComplete && !answeredEarly;
        }
        if (now) {
            release(exchange, reusable);
        }
    }

    private void release(Http1Call exchange, boolean reusable) {
        synchronized (this) {
            if (call != exchange || phase == Phase.CLOSED) {
                return;
            }
            reusable &= !aborted;
            call = null;
            phase = reusable ? Phase.IDLE : Phase.CLOSED;
        }
        if (reusable) {
            getEndPoint().setIdleTimeout(settings.idleTimeoutMillis());
            getEndPoint().tryFillInterested(readCallback);
        }
        pool.release(this, reusable);
    }

    private boolean isPersistent() {
        if (version != HttpVersion.HTTP_1_1) {
            return version == HttpVersion.HTTP_1_0 && fields.contains(HttpHeader.CONNECTION, HttpHeaderValue.KEEP_ALIVE.asString());
        }
        return !fields.contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    // --- HttpParser.ResponseHandler: called by parseNext on the reading thread

    @Override
    public void startResponse(HttpVersion responseVersion, int responseStatus, String reason) {
        version = responseVersion;
        status = responseStatus;
        fields = HttpFields.build(16);
    }

    @Override
    public void parsedHeader(HttpField field) {
        fields.add(field);
    }

    @Override
    public boolean headerComplete() {
        if (HttpStatus.isInterim(status)) {
            if (status == HttpStatus.SWITCHING_PROTOCOLS_101) {
                parseFailure = new IOException("the instance switched protocols, which no request asked for");
                return true;
            }
            return false;
        }
        headersDone = true;
        return true;
    }

    @Override
    public boolean content(ByteBuffer item) {
        content = item;
        return true;
    }

    @Override
    public boolean contentComplete() {
        return false;
    }

    @Override
    public void parsedTrailer(HttpField field) {
        if (trailers == null) {
            trailers = HttpFields.build();
        }
        trailers.add(field);
    }

    @Override
    public boolean messageComplete() {
        complete = true;
        return true;
    }

    @Override
    public void earlyEOF() {
        parseFailure = new EOFException("the instance closed the connection before the response was complete");
    }

    @Override
    public void badMessage(HttpException failure) {
        parseFailure = new IOException("the instance sent a malformed response: " + failure.getReason(), (Throwable) failure);
    }

    // --- closing

    /** Closes the connection if it still carries {@code exchange} (the client went away, a retry replaced it). */
    void abort(Http1Call exchange, Throwable cause) {
        synchronized (this) {
            if (call != exchange) {
                return;
            }
            aborted = true;
        }
        close(cause);
    }

    /** Closes the connection; an exchange it carries fails (its call decides whether it still cares). */
    void close(Throwable cause) {
        getEndPoint().close(cause);
    }

    @Override
    public void close() {
        getEndPoint().close();
    }

    @Override
    public void onClose(Throwable cause) {
        Http1Call exchange;
        Phase previous;
        synchronized (this) {
            previous = phase;
            exchange = call;
            phase = Phase.CLOSED;
        }
        responseTimeout.destroy();
        super.onClose(cause);
        if (exchange != null && previous != Phase.IDLE) {
            Throwable failure = cause != null ? cause : new EOFException("the connection to the instance closed");
            if (previous == Phase.BODY) {
                parseFailure = parseFailure != null ? parseFailure : failure;
                exchange.bodyReadable();
            }
            else {
                exchange.failed(failure);
            }
            pool.release(this, false);
        }
        else {
            pool.closed(this);
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        Http1Call exchange;
        synchronized (this) {
            exchange = call;
        }
        if (exchange != null) {
            exchange.failed(timeout);
        }
        return true;
    }

    @Override
    public String toConnectionString() {
        return "Http1Connection@" + Integer.toHexString(hashCode()) + "[" + phase + "]";
    }
}
