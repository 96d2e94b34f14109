package dev.tollgate.plugin.backendgrpc.internal;

import com.google.protobuf.DynamicMessage;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.plugin.backendgrpc.internal.mapping.InvalidRequestException;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;
import dev.tollgate.plugin.backendgrpc.internal.schema.SchemaMethod;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * One exchange transcoded to one gRPC call (with the runtime's retries): finds the method the
 * request matches, builds the request message, makes the call through {@link InstanceCalls}, and
 * answers — JSON for a unary call, a {@link ResponseStream} for a server stream, the JSON error
 * shape for a failed status.
 */
final class GrpcCall {
    private final GrpcBackend backend;
    private final RouteSettings route;
    private final Exchange exchange;
    private final InstanceCalls calls;

    GrpcCall(GrpcBackend backend, RouteSettings route, Exchange exchange) {
        this.backend = requireNonNull(backend, "backend is null");
        this.route = requireNonNull(route, "route is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.calls = new InstanceCalls(backend, exchange);
    }

    CompletionStage<Void> start() {
        String path = route.pathToMatch(exchange.request().path());
        if (path == null) {
            return CompletableFuture.failedFuture(notFound(exchange.request().path()));
        }
        return backend.schema()
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
                    + " streams requests from the client, which an HTTP/JSON request cannot do: open a WebSocket to its path"
                    + " instead (one JSON text message per request message)"), null, codec);
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
            calls.cancelWhenTheClientLeaves();
            Deadline deadline = calls.deadline(method.serverStreaming() ? route.streamDeadline() : route.deadline());
            Metadata metadata = backend.metadata().requestMetadata(exchange);
            return method.serverStreaming() ? stream(found, codec, request, metadata, deadline)
                    : unary(found, codec, request, metadata, deadline);
        });
    }

    private CompletionStage<Void> unary(Found found, JsonCodec codec, DynamicMessage request, Metadata metadata, Deadline deadline) {
        SchemaMethod method = found.match().method();
        return calls.unary(method, request, metadata, deadline).thenAccept(answer -> {
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
        StreamFormat format = StreamFormat.negotiate(exchange.request().headers().getAll("Accept"));
        return calls.stream(method, request, metadata, deadline, ResponseStream.Encoding.json(format, codec, exchange.requestId()))
                .thenAccept(stream -> {
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

    private record Found(Schema schema, Schema.Match match) {
    }
}
