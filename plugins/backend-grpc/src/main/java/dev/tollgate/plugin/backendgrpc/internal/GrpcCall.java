package dev.tollgate.plugin.backendgrpc.internal;

import com.google.protobuf.DynamicMessage;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import dev.tollgate.api.upstream.Upstream;
import dev.tollgate.plugin.backendgrpc.internal.mapping.InvalidRequestException;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;
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
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * One exchange transcoded to one gRPC call (with the runtime's retries): finds the method the
 * request matches, builds the request message, runs the attempts through
 * {@link Upstream#execute}, and answers — JSON for a unary call, a {@link ResponseStream} for a
 * server stream, the JSON error shape for a failed status.
 */
final class GrpcCall {
    private final GrpcBackend backend;
    private final RouteSettings route;
    private final Exchange exchange;
    private volatile ClientCall<DynamicMessage, DynamicMessage> current;
    private volatile boolean clientGone;

    GrpcCall(GrpcBackend backend, RouteSettings route, Exchange exchange) {
        this.backend = requireNonNull(backend, "backend is null");
        this.route = requireNonNull(route, "route is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
    }

    CompletionStage<Void> start() {
        String path = route.pathToMatch(exchange.request().path());
        if (path == null) {
            return CompletableFuture.failedFuture(notFound(exchange.request().path()));
        }
        return backend.schemas().schema()
                .handle((schema, failure) -> {
                    if (failure != null) {
                        throw new GatewayException(ErrorCode.UNAVAILABLE, "the schema of service '" + backend.name()
                                + "' is not known yet: server reflection failed", failure);
                    }
                    return schema;
                })
                .thenCompose(schema -> lookup(schema, path, true))
                .thenCompose(this::readAndCall);
    }

    /** The method the request matches; after a miss, once more in a refreshed schema if reflection gives one. */
    private CompletionStage<Found> lookup(Schema schema, String path, boolean mayRefresh) {
        Schema.Lookup lookup = schema.match(exchange.request().method(), path);
        if (lookup.match() != null) {
            return CompletableFuture.completedFuture(new Found(schema, lookup.match()));
        }
        if (mayRefresh) {
            return backend.schemas().refreshAfterNotFound().thenCompose(refreshed -> refreshed == null
                    ? CompletableFuture.failedFuture(miss(lookup, path))
                    : lookup(refreshed, path, false));
        }
        return CompletableFuture.failedFuture(miss(lookup, path));
    }

    private GatewayException miss(Schema.Lookup lookup, String path) {
        if (lookup.otherMethod()) {
            return new GatewayException(ErrorCode.METHOD_NOT_ALLOWED, "method " + exchange.request().method() + " is not allowed for "
                    + path + " on service '" + backend.name() + "'");
        }
        return notFound(path);
    }

    private GatewayException notFound(String path) {
        return new GatewayException(ErrorCode.NOT_FOUND, "no method of gRPC service '" + backend.name() + "' matches "
                + exchange.request().method() + " " + path);
    }

    private CompletionStage<Void> readAndCall(Found found) {
        SchemaMethod method = found.match().method();
        JsonCodec codec = backend.codec(found.schema());
        if (method.clientStreaming()) {
            GrpcErrors.respond(exchange, Status.UNIMPLEMENTED.withDescription("method " + method.fullName()
                    + " streams requests from the client, which HTTP/JSON requests cannot do"), null, codec);
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<ByteBuffer> body = found.match().binding().hasBody() ? exchange.request().bufferBody()
                : CompletableFuture.completedFuture(null);
        return body.thenCompose(bytes -> {
            DynamicMessage request;
            try {
                request = codec.request(method.inputType(), found.match().binding(), found.match().pathValues(), exchange.request().query(), bytes);
            }
            catch (InvalidRequestException e) {
                throw new GatewayException(ErrorCode.BAD_REQUEST, e.getMessage());
            }
            exchange.onComplete(failure -> {
                if (failure != null) {
                    clientGone = true;
                    ClientCall<DynamicMessage, DynamicMessage> call = current;
                    if (call != null) {
                        call.cancel("the client went away", null);
                    }
                }
            });
            Deadline deadline = deadline(method.serverStreaming() ? route.streamDeadline() : route.deadline());
            Metadata metadata = backend.metadata().requestMetadata(exchange);
            return method.serverStreaming() ? stream(found, codec, request, metadata, deadline)
                    : unary(found, codec, request, metadata, deadline);
        });
    }

    /** The route's deadline, or the client's grpc-timeout when shorter; null for none. */
    private Deadline deadline(Duration routeDeadline) {
        Duration client = MetadataRules.clientTimeout(exchange.request().headers());
        Duration effective = routeDeadline.isZero() ? client : client == null ? routeDeadline
                : client.compareTo(routeDeadline) < 0 ? client : routeDeadline;
        return effective == null ? null : Deadline.after(effective.toNanos(), TimeUnit.NANOSECONDS);
    }

    private CompletionStage<Void> unary(Found found, JsonCodec codec, DynamicMessage request, Metadata metadata, Deadline deadline) {
        SchemaMethod method = found.match().method();
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
                call.sendMessage(request);
                call.halfClose();
                call.request(1);
                return outcome;
            }

            @Override
            public boolean idempotent(Exchange ignored) {
                return method.idempotent();
            }
        }).thenAccept(answer -> {
            try {
                Exchange.Response response = exchange.response();
                backend.metadata().copyToResponse(answer.headers(), response.headers());
                backend.metadata().copyToResponse(answer.trailers(), response.headers());
                if (answer.status().isOk()) {
                    response.setStatus(200);
                    response.setBody(codec.printAnswer(answer.message(), found.match().binding().responseBody()), "application/json");
                }
                else {
                    GrpcErrors.respond(exchange, answer.status(), answer.trailers(), codec);
                }
            }
            finally {
                answer.attempt().close();
            }
        });
    }

    private CompletionStage<Void> stream(Found found, JsonCodec codec, DynamicMessage request, Metadata metadata, Deadline deadline) {
        SchemaMethod method = found.match().method();
        CallMetrics.MethodMetrics metrics = backend.metrics().method(method);
        StreamFormat format = StreamFormat.negotiate(exchange.request().headers().getAll("Accept"));
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
                ResponseStream stream = new ResponseStream(call, lease, attempt, format, codec, exchange.requestId(), metrics);
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
                call.sendMessage(request);
                metrics.messageSent();
                call.halfClose();
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
        }).thenAccept(stream -> {
            Exchange.Response response = exchange.response();
            backend.metadata().copyToResponse(stream.headers(), response.headers());
            Status early = stream.earlyStatus();
            if (early != null) {
                try {
                    backend.metadata().copyToResponse(stream.trailers(), response.headers());
                    if (early.isOk()) {
                        response.setStatus(200);
                        response.headers().set("Cache-Control", "no-cache");
                        response.setBody(format.emptyBody(), format.contentType());
                    }
                    else {
                        GrpcErrors.respond(exchange, early, stream.trailers(), codec);
                    }
                }
                finally {
                    stream.attempt().close();
                }
                return;
            }
            response.setStatus(200);
            response.headers().set("Content-Type", format.contentType());
            response.headers().set("Cache-Control", "no-cache");
            if (format == StreamFormat.SSE) {
                response.headers().set("X-Accel-Buffering", "no");
            }
            response.setBody(stream);
        });
    }

    private CallOptions options(Deadline deadline) {
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

    private record Found(Schema schema, Schema.Match match) {
    }

    /** A unary call's answer: status, metadata and (when OK) the response message. */
    private record UnaryAnswer(Attempt attempt, Status status, Metadata headers, Metadata trailers, DynamicMessage message) {
    }
}
