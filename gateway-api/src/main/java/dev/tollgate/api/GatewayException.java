package dev.tollgate.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * An error as a value: a stable {@link ErrorCode} and a message safe to show to the client.
 *
 * <p>Filters, backends and endpoints fail their stage with this exception to answer an error;
 * the runtime renders every error in one JSON shape with the request id:
 * <pre>{"error":{"code":"NOT_FOUND","message":"…","requestId":"…"}}</pre>
 * Any other exception is answered as {@link ErrorCode#INTERNAL_ERROR} with a generic message
 * (its details are logged, never sent).
 *
 * <p>Headers added with {@link #withHeader} go out with the error response, for example
 * {@code WWW-Authenticate} on a 401 or {@code Retry-After} on a 429 or 503.
 */
public final class GatewayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public GatewayException(ErrorCode code, String message) {
        super(requireNonNull(message, "message is null"));
        this.code = requireNonNull(code, "code is null");
    }

    public GatewayException(ErrorCode code, String message, Throwable cause) {
        super(requireNonNull(message, "message is null"), cause);
        this.code = requireNonNull(code, "code is null");
    }

    /** The stable error code. */
    public ErrorCode code() {
        return code;
    }

    /** Adds a header to the error response and returns this exception. */
    public GatewayException withHeader(String name, String value) {
        headers.put(requireNonNull(name, "name is null"), requireNonNull(value, "value is null"));
        return this;
    }

    /** Headers to send with the error response, in insertion order; unmodifiable. */
    public Map<String, String> headers() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    @Override
    public String toString() {
        return "GatewayException[" + code + "]: " + getMessage();
    }
}
