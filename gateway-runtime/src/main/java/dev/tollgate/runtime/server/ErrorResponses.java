package dev.tollgate.runtime.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.runtime.chain.FilterChain;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * The one JSON error shape of the gateway, for every error whoever raised it (a plugin, the
 * router, Jetty's parser):
 * <pre>{"error":{"code":"NOT_FOUND","message":"no route for GET /x","requestId":"…"}}</pre>
 *
 * <p>As a {@link FilterChain.FailureHandler} it turns a failed step into that response on the
 * exchange, so the error travels back through the filters that ran like any other response. It
 * logs each failure once, here, with the request id and the client's address as the gateway
 * trusts it: 5xx gateway exceptions as warnings, any other exception as an error with its stack
 * (the client sees only a generic message).
 */
public final class ErrorResponses implements FilterChain.FailureHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);
    private static final JsonFactory JSON = new JsonFactory();
    static final String CONTENT_TYPE = "application/json";

    private final String requestIdHeader;

    /** @param requestIdHeader the configured request id header, kept on error responses */
    public ErrorResponses(String requestIdHeader) {
        this.requestIdHeader = requireNonNull(requestIdHeader, "requestIdHeader is null");
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
     * Replaces the exchange's response with the error response for {@code failure}: the status,
     * the request id, the exception's own headers and the JSON body; every other header set so far
     * (a backend's, or a filter's set before it proceeded) is dropped, since it described another
     * response.
     */
    @Override
    public void respond(Exchange exchange, Throwable failure) {
        GatewayException error = toGatewayException(exchange, failure);
        Exchange.Response response = exchange.response();
        Headers headers = response.headers();
        for (String name : List.copyOf(headers.names())) {
            if (!name.equalsIgnoreCase(requestIdHeader)) {
                headers.remove(name);
            }
        }
        if (!headers.contains(requestIdHeader)) {
            headers.set(requestIdHeader, exchange.requestId());
        }
        int status = error.code().httpStatus();
        response.setStatus(status);
        for (Map.Entry<String, String> header : error.headers().entrySet()) {
            headers.add(header.getKey(), header.getValue());
        }
        if (status == HttpStatus.REQUEST_TIMEOUT_408 || status == HttpStatus.PAYLOAD_TOO_LARGE_413) {
            // The body was not read whole: close rather than read on to find the next request.
            headers.set(HttpHeader.CONNECTION.asString(), "close");
        }
        headers.set(HttpHeader.CACHE_CONTROL.asString(), "no-store");
        headers.set(HttpHeader.CONTENT_TYPE.asString(), CONTENT_TYPE);
        response.setBody(ByteBuffer.wrap(body(error.code(), error.getMessage(), exchange.requestId())));
        response.setTrailers(null);
        if (response instanceof ExchangeResponse own) {
            own.markError(error);
        }
    }

    /**
     * Writes an error straight to Jetty, for requests that fail before an exchange exists (a path
     * that cannot be routed at all) or after the response was handed to Jetty.
     *
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
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        byte[] body = body(error.code(), error.getMessage(), requestId);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
    }

    /** The gateway exception a failure is answered with; logs it once (see the class comment). */
    static GatewayException toGatewayException(Exchange exchange, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof GatewayException gatewayException) {
            if (gatewayException.code().httpStatus() >= 500) {
                LOG.warn("Request {} {} {} from {} on route {}: {} {}", exchange.requestId(), exchange.request().method(),
                        exchange.request().path(), clientOf(exchange), routeOf(exchange), gatewayException.code(),
                        gatewayException.getMessage(), LOG.isDebugEnabled() ? gatewayException : null);
            }
            return gatewayException;
        }
        if (cause instanceof TimeoutException) {
            return new GatewayException(ErrorCode.REQUEST_TIMEOUT, "request timed out");
        }
        LOG.error("Request {} {} {} from {} on route {} failed", exchange.requestId(), exchange.request().method(),
                exchange.request().path(), clientOf(exchange), routeOf(exchange), cause);
        return new GatewayException(ErrorCode.INTERNAL_ERROR, "internal error; see the gateway log for request " + exchange.requestId());
    }

    /** The client's address as the gateway trusts it (a trusted proxy's client, not the proxy). */
    private static String clientOf(Exchange exchange) {
        InetAddress client = exchange.clientAddress();
        return client == null ? "(unknown)" : client.getHostAddress();
    }

    private static String routeOf(Exchange exchange) {
        String id = exchange.route().id();
        return id.isEmpty() ? "(none)" : id;
    }

    /** The failure inside completion wrappers. */
    public static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
