package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.Principal;

import static java.util.Objects.requireNonNull;

/** What the authentication service said about a token. */
sealed interface Verdict {

    /**
     * The token is valid.
     *
     * @param principal who it belongs to
     * @param expiresAt when it expires, in unix seconds; 0 when the service did not say
     */
    record Valid(Principal principal, long expiresAt) implements Verdict {
        public Valid {
            requireNonNull(principal, "principal is null");
        }
    }

    /**
     * The token is not valid.
     *
     * @param reason why, as the service said it (possibly empty); shown to the client after
     *        {@link Challenges#description sanitising}
     */
    record Invalid(String reason) implements Verdict {
        public Invalid {
            requireNonNull(reason, "reason is null");
        }
    }
}
