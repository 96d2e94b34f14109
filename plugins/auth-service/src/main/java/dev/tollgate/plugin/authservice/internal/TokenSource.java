package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.http.Headers;

import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * Where a request's token is: the Bearer credentials of {@code Authorization} (RFC 6750 §2.1),
 * another header's value, or a cookie.
 */
sealed interface TokenSource {

    /** The token this source finds in the request's headers, or {@code null}. */
    String find(Headers headers);

    /**
     * Parses {@code header:<name>} or {@code cookie:<name>}.
     *
     * @throws IllegalArgumentException saying what is accepted
     */
    static TokenSource parse(String text) {
        int colon = text.indexOf(':');
        String kind = colon < 0 ? "" : text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String name = colon < 0 ? "" : text.substring(colon + 1).trim();
        if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            throw new IllegalArgumentException("'" + text + "' is not a token source: use \"header:<name>\" or \"cookie:<name>\"");
        }
        return switch (kind) {
            case "header" -> name.equalsIgnoreCase("Authorization") ? new Bearer() : new Header(name);
            case "cookie" -> new Cookie(name);
            default -> throw new IllegalArgumentException("'" + text + "' is not a token source: use \"header:<name>\" or \"cookie:<name>\"");
        };
    }

    /** Whether a value may go inside an RFC 7235 quoted string as it is (printable ASCII, no quote or backslash). */
    static boolean isQuotable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** {@code Authorization: Bearer <token>}; the scheme name is case-insensitive. */
    record Bearer() implements TokenSource {
        @Override
        public String find(Headers headers) {
            for (String value : headers.getAll("Authorization")) {
                String trimmed = value.trim();
                if (trimmed.length() > 7 && trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
                    String token = trimmed.substring(7).trim();
                    if (!token.isEmpty()) {
                        return token;
                    }
                }
            }
            return null;
        }
    }

    /** A header whose whole (trimmed) value is the token. */
    record Header(String name) implements TokenSource {
        public Header {
            requireNonNull(name, "name is null");
        }

        @Override
        public String find(Headers headers) {
            String value = headers.get(name);
            return value == null || value.isBlank() ? null : value.trim();
        }
    }

    /** A cookie of the {@code Cookie} header(s), RFC 6265 §5.4. */
    record Cookie(String name) implements TokenSource {
        public Cookie {
            requireNonNull(name, "name is null");
        }

        @Override
        public String find(Headers headers) {
            for (String header : headers.getAll("Cookie")) {
                for (String pair : header.split(";")) {
                    int equals = pair.indexOf('=');
                    if (equals > 0 && pair.substring(0, equals).trim().equals(name)) {
                        String value = pair.substring(equals + 1).trim();
                        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                            value = value.substring(1, value.length() - 1);
                        }
                        if (!value.isEmpty()) {
                            return value;
                        }
                    }
                }
            }
            return null;
        }
    }
}
