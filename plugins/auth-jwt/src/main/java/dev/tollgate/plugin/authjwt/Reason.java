package dev.tollgate.plugin.authjwt;

import java.util.Locale;

/**
 * Why a request was not authenticated: the {@code reason} label of the
 * {@code authentications} metric, and the start of the 401's {@code error_description}.
 */
enum Reason {
    /** Authenticated. */
    OK,
    /** No token in any of the configured places. */
    MISSING,
    /** Longer than {@code max-token-size}. */
    TOO_LARGE,
    /** Not a compact JWS whose header and claims are JSON objects, or an empty bearer token. */
    MALFORMED,
    /** {@code alg: none}, a JWE, an algorithm no key allows (RS→HS confusion), or one not offered at all. */
    ALGORITHM_REFUSED,
    /** A {@code crit} header parameter the filter does not understand (RFC 7515 §4.1.11). */
    CRITICAL_HEADER,
    /** No key with the token's {@code kid}, even after refreshing the key sets. */
    UNKNOWN_KEY,
    /** The signature does not verify with the selected key. */
    BAD_SIGNATURE,
    /** {@code exp} is past (beyond the leeway). */
    EXPIRED,
    /** {@code nbf} or {@code iat} is in the future (beyond the leeway). */
    NOT_YET_VALID,
    /** {@code iss} is not the configured issuer. */
    BAD_ISSUER,
    /** {@code aud} names none of the configured audiences. */
    BAD_AUDIENCE,
    /** A required claim, the subject or {@code exp}, is absent or of the wrong type. */
    MISSING_CLAIM,
    /** The remote key sets have never been loaded, so no token can be checked (answered 503). */
    KEYS_UNAVAILABLE;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The metric label, e.g. {@code bad_signature}. */
    String label() {
        return label;
    }
}
