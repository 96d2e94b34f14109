package dev.tollgate.api;

/**
 * The stable error codes of the gateway. Each has a name that clients may rely on (it is the
 * {@code code} of the JSON error body) and the HTTP status it is answered with.
 *
 * <p>New codes may be added in a minor release; existing names and statuses do not change.
 */
public enum ErrorCode {
    /** The request is malformed or ambiguous (bad path encoding, smuggling shape, bad input). */
    BAD_REQUEST(400),
    /** No valid credentials were presented. */
    UNAUTHORIZED(401),
    /** The credentials are valid but do not allow this request. */
    FORBIDDEN(403),
    /** No route matches the request. */
    NOT_FOUND(404),
    /** A route matches the path but not the method. */
    METHOD_NOT_ALLOWED(405),
    /** The client did not send the request (or its body) in time. */
    REQUEST_TIMEOUT(408),
    /** The request body is larger than allowed. */
    PAYLOAD_TOO_LARGE(413),
    /** The request target is longer than allowed. */
    URI_TOO_LONG(414),
    /**
     * The request conflicts with the state of the resource (a gRPC {@code ALREADY_EXISTS} or
     * {@code ABORTED}).
     *
     * @since 1.2
     */
    CONFLICT(409),
    /** The request's content type is not accepted here. */
    UNSUPPORTED_MEDIA_TYPE(415),
    /** A rate limit was reached. */
    TOO_MANY_REQUESTS(429),
    /** The request headers are larger than allowed. */
    HEADERS_TOO_LARGE(431),
    /**
     * The client cancelled the request (nginx's 499; a gRPC {@code CANCELLED}).
     *
     * @since 1.2
     */
    CLIENT_CLOSED_REQUEST(499),
    /** A bug or unexpected state in the gateway or a plugin. */
    INTERNAL_ERROR(500),
    /**
     * The backend does not implement what was asked (a gRPC {@code UNIMPLEMENTED}).
     *
     * @since 1.2
     */
    NOT_IMPLEMENTED(501),
    /** The backend could not be reached or answered with something that is not HTTP. */
    BAD_GATEWAY(502),
    /** No healthy backend instance, a circuit is open, or the gateway is at capacity. */
    UNAVAILABLE(503),
    /** The backend did not answer in time. */
    GATEWAY_TIMEOUT(504);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status this code is answered with. */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The code answered for an HTTP error status, for mapping a status a plugin or Jetty
     * produced to the JSON error shape; {@link #INTERNAL_ERROR} for 5xx statuses without their own
     * code, {@link #BAD_REQUEST} for other 4xx ones.
     */
    public static ErrorCode forHttpStatus(int status) {
        for (ErrorCode code : values()) {
            if (code.httpStatus == status) {
                return code;
            }
        }
        return status >= 500 ? INTERNAL_ERROR : BAD_REQUEST;
    }
}
