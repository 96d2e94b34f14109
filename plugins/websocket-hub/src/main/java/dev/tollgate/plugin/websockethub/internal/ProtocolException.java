package dev.tollgate.plugin.websockethub.internal;

import static java.util.Objects.requireNonNull;

/** A client request the hub answers with an error message instead of carrying it out. */
final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ProtocolError error;

    ProtocolException(ProtocolError error, String message) {
        super(requireNonNull(message, "message is null"), null, false, false);
        this.error = requireNonNull(error, "error is null");
    }

    ProtocolError error() {
        return error;
    }
}
