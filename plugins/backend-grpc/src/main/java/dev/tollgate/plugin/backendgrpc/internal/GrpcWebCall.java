package dev.tollgate.plugin.backendgrpc.internal;

import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;
import dev.tollgate.plugin.backendgrpc.internal.schema.SchemaMethod;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * One gRPC-Web request (a browser's {@code application/grpc-web[-text][+proto]} POST to
 * {@code /<package>.<Service>/<Method>}) made as a gRPC call through {@link InstanceCalls}, and
 * answered as gRPC-Web: HTTP 200, the request's content type, a data frame per message and a
 * trailer frame with the status. Every outcome is a status in a trailer frame — an unknown method
 * (UNIMPLEMENTED), an unreadable request (INTERNAL), the gateway's own errors such as no instance
 * (UNAVAILABLE) — since a gRPC-Web client reads statuses, not the JSON error shape.
 */
final class GrpcWebCall {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcWebCall.class);

    private final GrpcBackend backend;
    private final RouteSettings route;
    private final Exchange exchange;
    private final GrpcWebCodec codec;
    private final InstanceCalls calls;

    GrpcWebCall(GrpcBackend backend, RouteSettings route, Exchange exchange, GrpcWebCodec codec) {
        this.backend = requireNonNull(backend, "backend is null");
        this.route = requireNonNull(route, "route is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.codec = requireNonNull(codec, "codec is null");
        this.calls = new InstanceCalls(backend, exchange);
    }

    /** Completes once the answer is on the response; never fails (failures are answered as trailers). */
    CompletionStage<Void> start() {
        CompletionStage<Void> call;
        String path = route.pathToMatch(exchange.request().path());
        if (!exchange.request().method().equals("POST")) {
            call = answered(Status.UNIMPLEMENTED.withDescription("gRPC-Web calls are POST requests, not " + exchange.request().method()));
        }
        else if (path == null || path.length() < 2 || path.indexOf('/', 1) < 0) {
            call = answered(unknownMethod(path == null ? exchange.request().path() : path));
        }
        else {
            String fullName = path.substring(1);
            call = backend.schema()
                    .thenCompose(schema -> lookup(schema, fullName, true))
                    .thenCompose(method -> method == null ? answered(unknownMethod(fullName)) : readAndCall(method));
        }
        return call.handle((ignored, failure) -> {
            if (failure != null) {
                answerTrailersOnly(statusOf(failure), null);
            }
            return null;
        });
    }

    /** The method of that name; after a miss, once more in a refreshed schema if reflection gives one; null for none. */
    private CompletionStage<SchemaMethod> lookup(Schema schema, String fullName, boolean mayRefresh) {
        SchemaMethod method = schema.method(fullName);
        if (method != null || !mayRefresh) {
            return CompletableFuture.completedFuture(method);
        }
        return backend.schemas().refreshAfterNotFound().thenCompose(refreshed -> refreshed == null
                ? CompletableFuture.completedFuture(null) : lookup(refreshed, fullName, false));
    }

    private Status unknownMethod(String name) {
        return Status.UNIMPLEMENTED.withDescription("unknown method " + name + " of gRPC service '" + backend.name() + "'");
    }

    private CompletionStage<Void> readAndCall(SchemaMethod method) {
        if (method.clientStreaming()) {
            return answered(Status.UNIMPLEMENTED.withDescription("method " + method.fullName()
                    + " streams requests from the client, which gRPC-Web cannot do"));
        }
        return exchange.request().bufferBody().thenCompose(body -> {
            DynamicMessage request;
            try {
                request = DynamicMessage.parseFrom(method.inputType(), codec.requestMessage(body), Schema.EXTENSIONS);
            }
            catch (GrpcWebCodec.MalformedRequestException e) {
                return answered(e.status());
            }
            catch (InvalidProtocolBufferException e) {
                return answered(Status.INTERNAL.withDescription("the request message is not a valid " + method.inputType().getFullName()
                        + ": " + e.getMessage()));
            }
            calls.cancelWhenTheClientLeaves();
            Metadata metadata = backend.metadata().requestMetadata(exchange);
            return method.serverStreaming()
                    ? stream(method, request, metadata, calls.deadline(route.streamDeadline()))
                    : unary(method, request, metadata, calls.deadline(route.deadline()));
        });
    }

    private CompletionStage<Void> unary(SchemaMethod method, DynamicMessage request, Metadata metadata, Deadline deadline) {
        return calls.unary(method, request, metadata, deadline).thenAccept(answer -> {
            try {
                ByteBuffer trailers = codec.trailerFrame(answer.status(), answer.trailers(), backend.metadata());
                Exchange.Response response = startAnswer(answer.headers());
                response.setBody(answer.status().isOk()
                        ? GrpcWebCodec.concat(codec.dataFrame(answer.message().toByteArray()), trailers) : trailers);
            }
            finally {
                answer.attempt().close();
            }
        });
    }

    private CompletionStage<Void> stream(SchemaMethod method, DynamicMessage request, Metadata metadata, Deadline deadline) {
        ResponseStream.Encoding frames = new ResponseStream.Encoding() {
            @Override
            public ByteBuffer message(DynamicMessage message, long index) {
                return codec.dataFrame(message.toByteArray());
            }

            @Override
            public ByteBuffer end(Status status, Metadata trailers, long count) {
                return codec.trailerFrame(status, trailers, backend.metadata());
            }
        };
        return calls.stream(method, request, metadata, deadline, frames).thenAccept(stream -> {
            Status early = stream.earlyStatus();
            if (early != null) {
                try {
                    answerTrailersOnly(early, stream.trailers());
                }
                finally {
                    stream.attempt().close();
                }
                return;
            }
            startAnswer(stream.headers()).setBody(stream);
        });
    }

    /** A stage that has answered {@code status} alone. */
    private CompletionStage<Void> answered(Status status) {
        answerTrailersOnly(status, null);
        return CompletableFuture.completedFuture(null);
    }

    private void answerTrailersOnly(Status status, Metadata trailers) {
        startAnswer(null).setBody(codec.trailerFrame(status, trailers, backend.metadata()));
    }

    /** Status 200, the content type, and the allowlisted response headers (initial metadata). */
    private Exchange.Response startAnswer(Metadata headers) {
        Exchange.Response response = exchange.response();
        response.setStatus(200);
        response.headers().set("Content-Type", codec.contentType());
        response.headers().set("Cache-Control", "no-store");
        backend.metadata().copyToResponse(headers, response.headers());
        return response;
    }

    /** The status to answer for a failed stage: the gateway error's, or INTERNAL (logged) for anything else. */
    private Status statusOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof GatewayException gateway) {
            return Status.fromCode(GrpcErrors.grpcCode(gateway.code())).withDescription(gateway.getMessage());
        }
        LOG.warn("Request {}: gRPC-Web call to service '{}' failed", exchange.requestId(), backend.name(), cause);
        return Status.INTERNAL.withDescription("internal error (request id " + exchange.requestId() + ")");
    }
}
