package dev.tollgate.plugin.authjwt;

import static java.util.Objects.requireNonNull;

/**
 * A token was not accepted, with the reason and a description safe to send and log: it names the
 * failed check and at most the token's {@code kid}, never anything else of the token. Cheap: no
 * stack trace, as refusals are ordinary outcomes on the request path.
 */
final class TokenRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Reason reason;

    TokenRefusedException(Reason reason, String description) {
        super(requireNonNull(description, "description is null"), null, false, false);
        this.reason = requireNonNull(reason, "reason is null");
    }

    Reason reason() {
        return reason;
    }
}
