package dev.tollgate.plugin.backendgrpc.internal;

import com.google.protobuf.DynamicMessage;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketMessage;
import dev.tollgate.api.websocket.WebSocketSession;
import dev.tollgate.api.websocket.WebSocketSettings;
import dev.tollgate.plugin.backendgrpc.internal.mapping.HttpBinding;
import dev.tollgate.plugin.backendgrpc.internal.mapping.InvalidRequestException;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import dev.tollgate.plugin.backendgrpc.internal.schema.SchemaMethod;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * One gRPC call carried by one WebSocket session, both ways, with flow control in each direction:
 * <ul>
 *   <li>client → instance: each text message is one request message (JSON, read as the request
 *       body of the method's binding, with the path's variables); an empty text message ends the
 *       requests (half-close), as does the first message of a method that takes one request.
 *       Messages the instance is not ready for (grpc-java's {@link ClientCall#isReady()}) wait
 *       here, up to the session's {@link WebSocketSettings#maxQueuedBytes()}; a client that sends
 *       faster than the instance reads beyond that fails the call with RESOURCE_EXHAUSTED.</li>
 *   <li>instance → client: each response message is sent as {@code {"result": …}}; the next one
 *       is asked of the instance ({@link ClientCall#request request(1)}) only while less than half
 *       of the session's outgoing queue is taken, so a slow client holds the instance back through
 *       HTTP/2 flow control instead of filling the gateway's memory.</li>
 *   <li>the end: the status as the last message — {@code {"status":{"grpcStatus":"OK"}}} or the
 *       gateway's JSON error shape with the gRPC status and details — then the close, 1000 after
 *       OK and 4000 + the gRPC code otherwise. The client closing the session cancels the call.</li>
 * </ul>
 *
 * <p>The call's events (grpc-java's listener, on its executor) and the session's (the runtime's I/O
 * threads) are run one at a time by a {@link SynchronizationContext}: whichever thread brings an
 * event runs the queue unless another thread already does, so no thread ever waits for another
 * while it may hold a lock of its own. The attempt and the channel lease end with the call.
 */
final class DuplexStream implements WebSocketHandler {
    private static final String OK_STATUS = "{\"status\":{\"grpcStatus\":\"OK\"}}";
    private static final Logger LOG = LoggerFactory.getLogger(DuplexStream.class);
    private static final long QUEUE_POLL_MILLIS = 10;

    private final ClientCall<DynamicMessage, DynamicMessage> call;
    private final ChannelPool.Lease lease;
    private final Attempt attempt;
    private final SchemaMethod method;
    private final CallMetrics.MethodMetrics metrics;
    private final Session settings;
    private final long started = System.nanoTime();
    private final AtomicBoolean metered = new AtomicBoolean();
    private final SynchronizationContext events;

    // Only touched in events.
    private WebSocketSession session;
    private final ArrayDeque<DynamicMessage> pending = new ArrayDeque<>();
    private long pendingBytes;
    private int requestsReceived;
    private boolean requestsEnded;
    private boolean halfClosed;
    /** Why the gateway cancelled the call, answered instead of the CANCELLED the instance reports. */
    private Status failure;
    private Status endStatus;
    private Metadata endTrailers;
    private boolean finished;

    private volatile Status earlyStatus;
    private volatile Metadata earlyTrailers;

    DuplexStream(ClientCall<DynamicMessage, DynamicMessage> call, ChannelPool.Lease lease, Attempt attempt, SchemaMethod method,
                 CallMetrics.MethodMetrics metrics, Session settings) {
        this.call = requireNonNull(call, "call is null");
        this.lease = requireNonNull(lease, "lease is null");
        this.attempt = requireNonNull(attempt, "attempt is null");
        this.method = requireNonNull(method, "method is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.events = new SynchronizationContext((thread, failure) -> {
            // A bug here: end the call rather than leave it hanging.
            LOG.error("The WebSocket call of {} failed", method.fullName(), failure);
            call.cancel("the gateway failed", failure);
        });
    }

    /**
     * What a call over a WebSocket needs besides the call: how messages are read and printed, and
     * the session's limits.
     *
     * @param codec the schema's JSON codec
     * @param binding the binding the upgrade matched; each client message is its request body
     *        (the whole request when the binding takes no body)
     * @param pathValues the path's variables, set in every request message
     * @param requestId the exchange's request id, in error messages
     * @param webSocket the session's limits
     * @param scheduler where a slow client's queue is looked at again
     */
    record Session(JsonCodec codec, HttpBinding binding, Map<String, String> pathValues, String requestId, WebSocketSettings webSocket,
                   ScheduledExecutorService scheduler) {
        Session {
            requireNonNull(codec, "codec is null");
            requireNonNull(binding, "binding is null");
            pathValues = Map.copyOf(pathValues);
            requireNonNull(requestId, "requestId is null");
            requireNonNull(webSocket, "webSocket is null");
            requireNonNull(scheduler, "scheduler is null");
            if (!binding.hasBody()) {
                binding = new HttpBinding(binding.httpMethod(), binding.template(), "*", binding.responseBody(), binding.fullMethodName());
            }
        }
    }

    // --- from the call's listener (serialized by grpc-java)

    /** The instance can take messages: sends what waits. */
    void ready() {
        events.execute(this::drain);
    }

    void message(DynamicMessage message) {
        events.execute(() -> deliver(message));
    }

    private void deliver(DynamicMessage message) {
        metrics.messageReceived();
        String text;
        try {
            text = "{\"result\":" + settings.codec().printAnswer(message, settings.binding().responseBody()) + "}";
        }
        catch (RuntimeException e) {
            fail(Status.INTERNAL.withDescription("a response message of " + method.fullName() + " cannot be printed as JSON: " + e.getMessage()));
            return;
        }
        if (finished || failure != null) {
            return;
        }
        if (!session.send(WebSocketMessage.text(text))) {
            if (session.isOpen()) {
                fail(Status.RESOURCE_EXHAUSTED.withDescription("a response message of " + text.length()
                        + " characters does not fit in the session's queue (websocket.max-queued-bytes)"));
            }
            else {
                cancel("the client closed the WebSocket");
            }
            return;
        }
        requestMore();
    }

    /** The call ended after its stream was open. */
    void closed(Status status, Metadata trailers) {
        events.execute(() -> {
            Status effective = failure != null ? failure : status;
            endStatus = effective;
            endTrailers = failure != null ? null : trailers;
            pending.clear();
            pendingBytes = 0;
            end(effective);
            attempt.close();
            if (session != null) {
                finish();
            }
        });
    }

    /** The call ended before its stream was open (trailers-only, or no connection). */
    void closedBeforeReady(Status status, Metadata trailers) {
        events.execute(() -> {
            endStatus = status;
            endTrailers = trailers;
        });
        earlyTrailers = trailers;
        earlyStatus = status;
        end(status);
    }

    private void end(Status status) {
        if (metered.compareAndSet(false, true)) {
            lease.close();
            metrics.ended(status.getCode(), System.nanoTime() - started);
        }
    }

    // --- for the caller

    /** The status of a call that ended before its stream was open, or null. */
    Status earlyStatus() {
        return earlyStatus;
    }

    Metadata earlyTrailers() {
        return earlyTrailers;
    }

    Attempt attempt() {
        return attempt;
    }

    /** Abandons a call that will not be delivered (a retry replaced it, the upgrade failed, or the client left). */
    void abandon() {
        events.execute(() -> {
            call.cancel("abandoned", null);
            end(Status.CANCELLED);
        });
    }

    // --- the WebSocket session (the runtime's I/O threads)

    @Override
    public void onOpen(WebSocketSession opened) {
        events.execute(() -> open(opened));
    }

    private void open(WebSocketSession opened) {
        session = opened;
        if (endStatus != null) {
            finish();
            return;
        }
        requestMore();
        drain();
    }

    @Override
    public void onText(WebSocketSession ignored, String text) {
        events.execute(() -> receive(text));
    }

    private void receive(String text) {
        if (endStatus != null || failure != null) {
            return;
        }
        if (text.isEmpty()) {
            requestsEnded = true;
            drain();
            return;
        }
        if (requestsEnded) {
            fail(Status.INVALID_ARGUMENT.withDescription(method.clientStreaming()
                    ? "a request message after the end of the requests (the empty message)"
                    : "method " + method.fullName() + " takes one request message"));
            return;
        }
        DynamicMessage request;
        try {
            request = settings.codec().request(method.inputType(), settings.binding(), settings.pathValues(), null,
                    ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (InvalidRequestException e) {
            fail(Status.INVALID_ARGUMENT.withDescription("request message " + (requestsReceived + 1) + ": " + e.getMessage()));
            return;
        }
        requestsReceived++;
        if (!method.clientStreaming()) {
            requestsEnded = true;
        }
        long size = request.getSerializedSize();
        if (pendingBytes + size > settings.webSocket().maxQueuedBytes()) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("the client sends faster than the instance reads: more than "
                    + settings.webSocket().maxQueuedBytes() + " bytes of request messages wait (websocket.max-queued-bytes)"));
            return;
        }
        pending.add(request);
        pendingBytes += size;
        drain();
    }

    @Override
    public void onBinary(WebSocketSession ignored, ByteBuffer data) {
        events.execute(() -> fail(Status.INVALID_ARGUMENT.withDescription("binary messages are not read: send each request message as a JSON text message")));
    }

    @Override
    public void onClose(WebSocketSession ignored, int code, String reason) {
        events.execute(() -> {
            finished = true;
            if (endStatus == null) {
                cancel("the client closed the WebSocket (" + code + ")");
            }
        });
    }

    // --- in events

    /** Sends the waiting request messages the instance is ready for, then the half-close when the requests ended. */
    private void drain() {
        if (endStatus != null || failure != null || session == null) {
            return;
        }
        while (!pending.isEmpty() && call.isReady()) {
            DynamicMessage next = pending.poll();
            pendingBytes -= next.getSerializedSize();
            call.sendMessage(next);
            metrics.messageSent();
        }
        if (pending.isEmpty() && requestsEnded && !halfClosed) {
            halfClosed = true;
            call.halfClose();
        }
    }

    /** The status as the last message, then the close: once, when both the call has ended and the session is open. */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (!session.isOpen()) {
            return;
        }
        Status status = endStatus;
        session.send(WebSocketMessage.text(status.isOk() ? OK_STATUS
                : GrpcErrors.body(status, endTrailers, settings.requestId(), settings.codec())), WebSocketSession.Overflow.DROP_OLDEST);
        session.close(status.isOk() ? 1000 : 4000 + status.getCode().value(), closeReason(status));
    }

    private void fail(Status status) {
        if (failure == null && endStatus == null) {
            failure = status;
            call.cancel(status.getDescription(), null);
        }
    }

    private void cancel(String why) {
        call.cancel(why, null);
    }

    /** Asks the instance for the next message while the client's queue has room; else looks again shortly. */
    private void requestMore() {
        if (endStatus != null || failure != null || finished) {
            return;
        }
        WebSocketSettings limits = settings.webSocket();
        if (session.queuedBytes() <= limits.maxQueuedBytes() / 2 && session.queuedMessages() <= limits.maxQueuedMessages() / 2) {
            call.request(1);
        }
        else {
            settings.scheduler().schedule(() -> events.execute(this::requestMore), QUEUE_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** The close frame's reason: the status name and description, within the 123 bytes a close frame allows. */
    private static String closeReason(Status status) {
        String reason = status.getDescription() == null ? status.getCode().name() : status.getCode().name() + ": " + status.getDescription();
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return reason;
        }
        int end = 120;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
    }
}
