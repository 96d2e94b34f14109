package dev.tollgate.plugin.backendgrpc.internal.mapping;

/** A request that cannot become the method's request message: malformed JSON, a wrong field type. Answered 400. */
public final class InvalidRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String message) {
        super(message, null, false, false);
    }
}
