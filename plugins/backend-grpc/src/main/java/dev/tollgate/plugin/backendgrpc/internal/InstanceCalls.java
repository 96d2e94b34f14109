package dev.tollgate.plugin.backendgrpc.internal;

import com.google.protobuf.DynamicMessage;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import dev.tollgate.api.upstream.Upstream;
import dev.tollgate.plugin.backendgrpc.internal.schema.SchemaMethod;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The gRPC call of one exchange, made to the service's instances through the runtime's
 * {@link Upstream#execute} (balancing, health, circuit breakers, retries) on the backend's
 * channel pool: a unary call whose whole answer is awaited, or a server stream handed on as a
 * {@link ResponseStream}. How the request was read and how the answer is written are the caller's
 * ({@link GrpcCall} for HTTP/JSON, {@link GrpcWebCall} for gRPC-Web).
 *
 * <p>Statuses are classified for the runtime the same way for both: a connection failure before
 * headers is no answer (retried anywhere), a trailers-only {@code UNAVAILABLE} a failed retryable
 * answer, {@code DEADLINE_EXCEEDED}, {@code INTERNAL}, {@code UNKNOWN} and {@code DATA_LOSS}
 * failed answers, other statuses answers.
 */
final class InstanceCalls {
    private final GrpcBackend backend;
    private final Exchange exchange;
    private volatile ClientCall<DynamicMessage, DynamicMessage> current;
    private volatile boolean clientGone;

    InstanceCalls(GrpcBackend backend, Exchange exchange) {
        this.backend = requireNonNull(backend, "backend is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
    }

    /** Cancels the call in flight when the exchange ends with a failure (the client went away). */
    void cancelWhenTheClientLeaves() {
        exchange.onComplete(failure -> {
            if (failure != null) {
                clientGone = true;
                ClientCall<DynamicMessage, DynamicMessage> call = current;
                if (call != null) {
                    call.cancel("the client went away", null);
                }
            }
        });
    }

    /** The route's deadline, or the client's grpc-timeout when shorter; null for none. */
    Deadline deadline(Duration routeDeadline) {
        Duration client = MetadataRules.clientTimeout(exchange.request().headers());
        Duration effective = routeDeadline.isZero() ? client : client == null ? routeDeadline
                : client.compareTo(routeDeadline) < 0 ? client : routeDeadline;
        return effective == null ? null : Deadline.after(effective.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * A unary call. The stage completes with the answer of the last attempt (its attempt still
     * open: the caller closes it once the answer is written), or fails with the runtime's error
     * when no instance answered.
     */
    CompletionStage<UnaryAnswer> unary(SchemaMethod method, DynamicMessage request, Metadata metadata, Deadline deadline) {
        CallMetrics.MethodMetrics metrics = backend.metrics().method(method);
        return backend.upstream().execute(exchange, new Upstream.Execution<UnaryAnswer>() {
            @Override
            public CompletionStage<Outcome<UnaryAnswer>> attempt(Attempt attempt) {
                ChannelPool.Lease lease;
                try {
                    lease = backend.pool().acquire(attempt.instance());
                }
                catch (IllegalArgumentException | IllegalStateException e) {
                    return CompletableFuture.completedFuture(Outcome.failure(Attempt.Failure.CONNECT,
                            new GatewayException(ErrorCode.BAD_GATEWAY, e.getMessage())));
                }
                CompletableFuture<Outcome<UnaryAnswer>> outcome = new CompletableFuture<>();
                long started = System.nanoTime();
                ClientCall<DynamicMessage, DynamicMessage> call = lease.channel().newCall(method.grpcMethod(), options(deadline));
                current = call;
                call.start(new ClientCall.Listener<>() {
                    private Metadata headers;
                    private DynamicMessage message;

                    @Override
                    public void onHeaders(Metadata received) {
                        headers = received;
                    }

                    @Override
                    public void onMessage(DynamicMessage received) {
                        message = received;
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        lease.close();
                        Status ended = status.isOk() && message == null
                                ? Status.INTERNAL.withDescription("the instance answered no message") : status;
                        metrics.ended(ended.getCode(), System.nanoTime() - started);
                        outcome.complete(classify(ended, headers != null,
                                new UnaryAnswer(attempt, ended, headers, trailers, message)));
                    }
                }, copy(metadata));
                try {
                    call.sendMessage(request);
                    call.halfClose();
                    call.request(1);
                }
                catch (IllegalStateException e) {
                    // The client left meanwhile and cancelled the call: its onClose completes the outcome.
                    if (!clientGone) {
                        throw e;
                    }
                }
                return outcome;
            }

            @Override
            public boolean idempotent(Exchange ignored) {
                return method.idempotent();
            }
        });
    }

    /**
     * A server-streaming call. The stage completes once the instance has sent its headers (the
     * stream goes on as the {@link ResponseStream}) or ended the call without them (trailers-only:
     * {@link ResponseStream#earlyStatus()} is set, and the caller closes the attempt), or fails
     * with the runtime's error when no instance answered.
     */
    CompletionStage<ResponseStream> stream(SchemaMethod method, DynamicMessage request, Metadata metadata, Deadline deadline,
                                           ResponseStream.Encoding encoding) {
        CallMetrics.MethodMetrics metrics = backend.metrics().method(method);
        return backend.upstream().execute(exchange, new Upstream.Execution<ResponseStream>() {
            @Override
            public CompletionStage<Outcome<ResponseStream>> attempt(Attempt attempt) {
                ChannelPool.Lease lease;
                try {
                    lease = backend.pool().acquire(attempt.instance());
                }
                catch (IllegalArgumentException | IllegalStateException e) {
                    return CompletableFuture.completedFuture(Outcome.failure(Attempt.Failure.CONNECT,
                            new GatewayException(ErrorCode.BAD_GATEWAY, e.getMessage())));
                }
                ClientCall<DynamicMessage, DynamicMessage> call = lease.channel().newCall(method.grpcMethod(), options(deadline));
                current = call;
                ResponseStream stream = new ResponseStream(call, lease, attempt, encoding, metrics);
                CompletableFuture<Outcome<ResponseStream>> outcome = new CompletableFuture<>();
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onHeaders(Metadata headers) {
                        stream.headers(headers);
                        outcome.complete(Outcome.success(stream));
                    }

                    @Override
                    public void onMessage(DynamicMessage message) {
                        stream.message(message);
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (outcome.isDone()) {
                            stream.closed(status, trailers);
                        }
                        else {
                            // Trailers-only: an answer without a stream.
                            stream.closedBeforeHeaders(status, trailers);
                            outcome.complete(classify(status, false, stream));
                        }
                    }
                }, copy(metadata));
                try {
                    call.sendMessage(request);
                    metrics.messageSent();
                    call.halfClose();
                }
                catch (IllegalStateException e) {
                    // The client left meanwhile and cancelled the call: its onClose completes the outcome.
                    if (!clientGone) {
                        throw e;
                    }
                }
                return outcome;
            }

            @Override
            public boolean idempotent(Exchange ignored) {
                return method.idempotent();
            }

            @Override
            public void discard(ResponseStream answer) {
                answer.abandon();
            }
        });
    }

    /**
     * A call whose requests and responses stream over a WebSocket. The stage completes once the
     * instance's stream is open (grpc-java says it is ready for messages, or the instance sent its
     * headers) — nothing has been sent yet, so a connection failure before that is retried on
     * another instance; at once for a method taking one request message, whose stream grpc-java
     * opens only with that message — or when the call ended first ({@link DuplexStream#earlyStatus()} is set,
     * and the caller closes the attempt), or fails with the runtime's error when no instance
     * answered. A call that has started is never retried: its messages are the client's.
     */
    CompletionStage<DuplexStream> duplex(SchemaMethod method, Metadata metadata, Deadline deadline, DuplexStream.Session session) {
        CallMetrics.MethodMetrics metrics = backend.metrics().method(method);
        return backend.upstream().execute(exchange, new Upstream.Execution<DuplexStream>() {
            @Override
            public CompletionStage<Outcome<DuplexStream>> attempt(Attempt attempt) {
                ChannelPool.Lease lease;
                try {
                    lease = backend.pool().acquire(attempt.instance());
                }
                catch (IllegalArgumentException | IllegalStateException e) {
                    return CompletableFuture.completedFuture(Outcome.failure(Attempt.Failure.CONNECT,
                            new GatewayException(ErrorCode.BAD_GATEWAY, e.getMessage())));
                }
                ClientCall<DynamicMessage, DynamicMessage> call = lease.channel().newCall(method.grpcMethod(), options(deadline));
                DuplexStream stream = new DuplexStream(call, lease, attempt, method, metrics, session);
                CompletableFuture<Outcome<DuplexStream>> outcome = new CompletableFuture<>();
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onReady() {
                        outcome.complete(Outcome.success(stream));
                        stream.ready();
                    }

                    @Override
                    public void onHeaders(Metadata headers) {
                        outcome.complete(Outcome.success(stream));
                    }

                    @Override
                    public void onMessage(DynamicMessage message) {
                        stream.message(message);
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (outcome.isDone()) {
                            stream.closed(status, trailers);
                        }
                        else {
                            stream.closedBeforeReady(status, trailers);
                            outcome.complete(classify(status, false, stream));
                        }
                    }
                }, copy(metadata));
                if (!method.clientStreaming()) {
                    // grpc-java opens the stream of a method taking one request message only with
                    // that message, which comes over the session: the call is under way as it is.
                    outcome.complete(Outcome.success(stream));
                }
                return outcome;
            }

            @Override
            public boolean idempotent(Exchange ignored) {
                return false;
            }

            @Override
            public void discard(DuplexStream answer) {
                answer.abandon();
            }
        });
    }

    private static CallOptions options(Deadline deadline) {
        return deadline == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadline(deadline);
    }

    private static Metadata copy(Metadata metadata) {
        Metadata copy = new Metadata();
        copy.merge(metadata);
        return copy;
    }

    /**
     * What an ended call means for the instance: a good answer, a failed one (retryable when the
     * instance was unavailable), or no answer at all (the connection failed before headers).
     */
    private <T> Outcome<T> classify(Status status, boolean headersReceived, T answer) {
        if (status.getCode() == Status.Code.CANCELLED && clientGone) {
            return Outcome.failure(Attempt.Failure.CANCELLED, status.asRuntimeException());
        }
        if (status.getCode() == Status.Code.UNAVAILABLE && !headersReceived && status.getCause() != null) {
            return Outcome.failure(connectFailure(status.getCause()) ? Attempt.Failure.CONNECT : Attempt.Failure.RESET, status.asRuntimeException());
        }
        return switch (status.getCode()) {
            case UNAVAILABLE -> Outcome.failedAnswer(answer, true);
            case DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, DATA_LOSS -> Outcome.failedAnswer(answer, false);
            default -> Outcome.success(answer);
        };
    }

    private static boolean connectFailure(Throwable cause) {
        for (Throwable current = cause; current != null; current = current.getCause()) {
            if (current instanceof ConnectException || current instanceof UnknownHostException || current instanceof NoRouteToHostException
                    || current instanceof SSLException) {
                return true;
            }
            if (current instanceof IOException && current.getCause() == null) {
                return false;
            }
        }
        return false;
    }

    /** A unary call's answer: status, metadata and (when OK) the response message. */
    record UnaryAnswer(Attempt attempt, Status status, Metadata headers, Metadata trailers, DynamicMessage message) {
    }
}
