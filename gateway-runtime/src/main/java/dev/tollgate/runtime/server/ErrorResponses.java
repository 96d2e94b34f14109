package dev.tollgate.runtime.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one JSON error shape of the gateway, for every error whoever raised it (a plugin, the
 * router, Jetty's parser):
 * <pre>{"error":{"code":"NOT_FOUND","message":"no route for GET /x","requestId":"…"}}</pre>
 */
public final class ErrorResponses {
    private static final JsonFactory JSON = new JsonFactory();
    static final String CONTENT_TYPE = "application/json";

    private ErrorResponses() {
    }

    /** The error body. */
    public static byte[] body(ErrorCode code, String message, String requestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + message.length());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeObjectFieldStart("error");
            json.writeStringField("code", code.name());
            json.writeStringField("message", message);
            json.writeStringField("requestId", requestId);
            json.writeEndObject();
            json.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes an error as the whole response: resets what was set so far (headers a backend had
     * copied), then status, request id, the exception's own headers and the JSON body.
     *
     * @param requestIdHeader the configured request id header name
     * @param head whether the request was HEAD (no body is sent)
     */
    static void write(Response response, GatewayException error, String requestIdHeader, String requestId, boolean head,
                      Callback callback) {
        response.reset();
        int status = error.code().httpStatus();
        response.setStatus(status);
        response.getHeaders().put(requestIdHeader, requestId);
        for (Map.Entry<String, String> header : error.headers().entrySet()) {
            response.getHeaders().add(header.getKey(), header.getValue());
        }
        if (status == HttpStatus.REQUEST_TIMEOUT_408 || status == HttpStatus.PAYLOAD_TOO_LARGE_413) {
            // The body was not read whole: close rather than read on to find the next request.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        byte[] body = body(error.code(), error.getMessage(), requestId);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
    }

    /** The failure inside completion wrappers. */
    static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
