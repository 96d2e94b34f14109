package dev.tollgate.plugin.authjwt;

import dev.tollgate.api.http.Exchange;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

import static java.util.Objects.requireNonNull;

/**
 * Where a token may be found in a request: an entry of {@code token-from}. A source answers the
 * token it found (possibly empty: an empty bearer is presented, and refused, not missing), or
 * {@code null} when it has none.
 */
sealed interface TokenSource {

    /** The token this source finds in the request, or {@code null}. */
    String find(Exchange.Request request) throws TokenRefusedException;

    /**
     * Reads {@code header:<name>}, {@code cookie:<name>} or {@code query:<name>}.
     *
     * @throws IllegalArgumentException for anything else
     */
    static TokenSource parse(String text) {
        int colon = text.indexOf(':');
        String kind = colon < 0 ? "" : text.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String name = colon < 0 ? "" : text.substring(colon + 1).strip();
        if (name.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' must be header:<name>, cookie:<name> or query:<name>");
        }
        return switch (kind) {
            case "header" -> new Header(name);
            case "cookie" -> new Cookie(name);
            case "query" -> new Query(name);
            default -> throw new IllegalArgumentException("'" + text + "' must be header:<name>, cookie:<name> or query:<name>");
        };
    }

    /**
     * A header field. {@code Authorization} carries {@code Bearer <token>} (RFC 6750 §2.1; a field
     * of another scheme is not a token for this filter); any other field the token itself, with an
     * optional {@code Bearer } prefix.
     */
    record Header(String name) implements TokenSource {
        private static final String BEARER = "bearer";

        public Header {
            requireNonNull(name, "name is null");
        }

        @Override
        public String find(Exchange.Request request) throws TokenRefusedException {
            List<String> values = request.headers().getAll(name);
            if (values.isEmpty()) {
                return null;
            }
            boolean authorization = name.equalsIgnoreCase("Authorization");
            String token = null;
            for (String value : values) {
                String found = bearer(value.strip(), authorization);
                if (found != null) {
                    if (token != null) {
                        throw new TokenRefusedException(Reason.MALFORMED, "more than one bearer token in " + name);
                    }
                    token = found;
                }
            }
            return token;
        }

        private static String bearer(String value, boolean authorization) {
            boolean prefixed = value.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    && (value.length() == BEARER.length() || value.charAt(BEARER.length()) == ' ');
            if (prefixed) {
                return value.substring(BEARER.length()).strip();
            }
            return authorization ? null : value;
        }
    }

    /** A cookie of the {@code Cookie} header fields (RFC 6265 §5.4). */
    record Cookie(String name) implements TokenSource {
        public Cookie {
            requireNonNull(name, "name is null");
        }

        @Override
        public String find(Exchange.Request request) {
            for (String field : request.headers().getAll("Cookie")) {
                for (String pair : field.split(";")) {
                    int equals = pair.indexOf('=');
                    if (equals > 0 && pair.substring(0, equals).strip().equals(name)) {
                        String value = pair.substring(equals + 1).strip();
                        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                            value = value.substring(1, value.length() - 1);
                        }
                        return value;
                    }
                }
            }
            return null;
        }
    }

    /**
     * A query parameter, honoured only on WebSocket upgrade requests: browsers cannot set headers
     * on a WebSocket, and anywhere else a token in the URL ends up in logs and Referer fields.
     */
    record Query(String name) implements TokenSource {
        public Query {
            requireNonNull(name, "name is null");
        }

        @Override
        public String find(Exchange.Request request) {
            return request.isWebSocketUpgrade() ? request.queryParameter(name) : null;
        }

        /**
         * {@code rawQuery} without this parameter, so that the token does not travel on to the
         * endpoint or backend (and their logs); {@code null} when nothing is left.
         */
        String without(String rawQuery) {
            if (rawQuery == null) {
                return null;
            }
            StringJoiner kept = new StringJoiner("&");
            for (String pair : rawQuery.split("&")) {
                int equals = pair.indexOf('=');
                String rawName = equals < 0 ? pair : pair.substring(0, equals);
                if (!URLDecoder.decode(rawName, StandardCharsets.UTF_8).equals(name)) {
                    kept.add(pair);
                }
            }
            return kept.length() == 0 ? null : kept.toString();
        }
    }
}
