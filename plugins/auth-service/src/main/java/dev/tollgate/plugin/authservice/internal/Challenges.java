package dev.tollgate.plugin.authservice.internal;

/**
 * The {@code WWW-Authenticate} challenges of the filter's 401s (RFC 6750 §3): {@code Bearer
 * realm="…"} when no token came, with {@code error="invalid_token"} and an
 * {@code error_description} when the service refused it.
 */
final class Challenges {
    /** Longest error description sent; a service's reason beyond it is cut. */
    static final int MAX_DESCRIPTION = 200;

    private Challenges() {
    }

    /** The challenge to a request without a token. */
    static String missingToken(String realm) {
        return "Bearer realm=\"" + realm + "\"";
    }

    /** The challenge to a request whose token the service refused, with the description from {@link #description}. */
    static String invalidToken(String realm, String description) {
        return "Bearer realm=\"" + realm + "\", error=\"invalid_token\", error_description=\"" + description + "\"";
    }

    /**
     * The service's reason as an RFC 6750 {@code error_description}: printable ASCII without
     * {@code "} and {@code \} (others become a space), at most {@value #MAX_DESCRIPTION}
     * characters, the token itself never included even if the service quoted it, and a generic
     * text when the service gave none.
     */
    static String description(String reason, String token) {
        String text = reason;
        if (!token.isEmpty()) {
            text = text.replace(token, "[token]");
        }
        StringBuilder clean = new StringBuilder(Math.min(text.length(), MAX_DESCRIPTION));
        for (int i = 0; i < text.length() && clean.length() < MAX_DESCRIPTION; i++) {
            char c = text.charAt(i);
            clean.append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? ' ' : c);
        }
        String described = clean.toString().strip();
        return described.isEmpty() ? "the token is not valid" : described;
    }
}
