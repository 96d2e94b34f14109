package dev.tollgate.plugin.backendgrpc.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;

import java.util.Base64;

/**
 * gRPC statuses as HTTP answers: the standard status mapping, and the gateway's JSON error shape
 * with the gRPC code's name and the {@code google.rpc.Status} details printed as JSON:
 * <pre>{"error":{"code":"NOT_FOUND","message":"…","requestId":"…","grpcStatus":"NOT_FOUND","details":[{"@type":"…",…}]}}</pre>
 * {@code code} is the gateway's error code for the HTTP status ({@link ErrorCode#forHttpStatus}),
 * as on every other error; {@code grpcStatus} is the instance's.
 */
final class GrpcErrors {
    private GrpcErrors() {
    }

    /** The HTTP status of a gRPC status code (the mapping of google.rpc.Code and grpc-gateway). */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case CANCELLED -> 499;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
        };
    }

    /**
     * The gRPC status code of an error of the gateway's own, for clients that read only statuses
     * (gRPC-Web): no instance or no answer is UNAVAILABLE, a timeout DEADLINE_EXCEEDED, a body too
     * large or too many requests RESOURCE_EXHAUSTED, no such method UNIMPLEMENTED.
     */
    static Status.Code grpcCode(ErrorCode code) {
        return switch (code) {
            case UNAVAILABLE, BAD_GATEWAY -> Status.Code.UNAVAILABLE;
            case GATEWAY_TIMEOUT, REQUEST_TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
            case PAYLOAD_TOO_LARGE, TOO_MANY_REQUESTS, HEADERS_TOO_LARGE, URI_TOO_LONG -> Status.Code.RESOURCE_EXHAUSTED;
            case UNAUTHORIZED -> Status.Code.UNAUTHENTICATED;
            case FORBIDDEN -> Status.Code.PERMISSION_DENIED;
            case NOT_FOUND, METHOD_NOT_ALLOWED, NOT_IMPLEMENTED, UNSUPPORTED_MEDIA_TYPE -> Status.Code.UNIMPLEMENTED;
            case CLIENT_CLOSED_REQUEST -> Status.Code.CANCELLED;
            case CONFLICT -> Status.Code.ABORTED;
            case BAD_REQUEST -> Status.Code.INVALID_ARGUMENT;
            case INTERNAL_ERROR -> Status.Code.INTERNAL;
        };
    }

    /** The JSON error body for a gRPC status, with the details from {@code grpc-status-details-bin}. */
    static String body(Status status, Metadata trailers, String requestId, JsonCodec codec) {
        int httpStatus = httpStatus(status.getCode());
        JsonObject error = new JsonObject();
        error.addProperty("code", ErrorCode.forHttpStatus(httpStatus).name());
        String description = status.getDescription();
        error.addProperty("message", description == null || description.isEmpty() ? status.getCode().name() : description);
        error.addProperty("requestId", requestId);
        error.addProperty("grpcStatus", status.getCode().name());
        com.google.rpc.Status details = trailers == null ? null : StatusProto.fromStatusAndTrailers(status, trailers);
        if (details != null && details.getDetailsCount() > 0) {
            JsonArray array = new JsonArray();
            for (Any detail : details.getDetailsList()) {
                try {
                    array.add(JsonParser.parseString(codec.print(detail)));
                }
                catch (RuntimeException e) {
                    // A type the schema does not know: its name and bytes, as the JSON mapping of an unknown Any would.
                    JsonObject opaque = new JsonObject();
                    opaque.addProperty("@type", detail.getTypeUrl());
                    opaque.addProperty("value", Base64.getEncoder().encodeToString(detail.getValue().toByteArray()));
                    array.add(opaque);
                }
            }
            error.add("details", array);
        }
        JsonObject body = new JsonObject();
        body.add("error", error);
        return body.toString();
    }

    /** The gateway's error shape for an error of the gateway's own (no gRPC status). */
    static String body(ErrorCode code, String message, String requestId) {
        JsonObject error = new JsonObject();
        error.addProperty("code", code.name());
        error.addProperty("message", message);
        error.addProperty("requestId", requestId);
        JsonObject body = new JsonObject();
        body.add("error", error);
        return body.toString();
    }

    /** Sets the exchange's response to the error answer of a gRPC status. */
    static void respond(Exchange exchange, Status status, Metadata trailers, JsonCodec codec) {
        Exchange.Response response = exchange.response();
        response.setStatus(httpStatus(status.getCode()));
        response.headers().set("Cache-Control", "no-store");
        response.setBody(body(status, trailers, exchange.requestId(), codec), "application/json");
    }
}
