package dev.tollgate.plugin.cors;

import dev.tollgate.api.PluginConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One use of the {@code cors} filter, read once and validated (see {@code reference.conf} for
 * the keys and their defaults).
 *
 * @param allowedOrigins {@code allowed-origins}
 * @param allowedMethods {@code allowed-methods}, upper case, without duplicates; {@code ["*"]} for any
 * @param allowedHeaders {@code allowed-headers} as written, without duplicates; may hold {@code *}
 * @param exposedHeaders {@code exposed-headers} as written, without duplicates; may be {@code ["*"]}
 * @param allowCredentials {@code allow-credentials}
 * @param maxAge {@code max-age}, whole seconds
 */
record CorsSettings(OriginMatcher allowedOrigins, List<String> allowedMethods, List<String> allowedHeaders,
                    List<String> exposedHeaders, boolean allowCredentials, Duration maxAge) {
    static final String WILDCARD = "*";

    CorsSettings {
        requireNonNull(allowedOrigins, "allowedOrigins is null");
        allowedMethods = List.copyOf(allowedMethods);
        allowedHeaders = List.copyOf(allowedHeaders);
        exposedHeaders = List.copyOf(exposedHeaders);
        requireNonNull(maxAge, "maxAge is null");
    }

    /**
     * Reads and checks one use's configuration.
     *
     * @throws dev.tollgate.api.InvalidConfigException naming the key of the first unacceptable value
     */
    static CorsSettings from(PluginConfig config) {
        boolean allowCredentials = config.getBoolean("allow-credentials");

        OriginMatcher origins;
        try {
            origins = OriginMatcher.of(config.getStringList("allowed-origins"));
        }
        catch (IllegalArgumentException e) {
            throw config.error("allowed-origins", e.getMessage());
        }
        if (origins.allowsAnyOrigin() && allowCredentials) {
            throw config.error("allowed-origins", "'*' cannot be combined with allow-credentials = true: browsers refuse"
                    + " 'Access-Control-Allow-Origin: *' on credentialed requests; list the origins instead");
        }

        List<String> methods = new ArrayList<>();
        for (String method : tokens(config, "allowed-methods")) {
            methods.add(method.toUpperCase(Locale.ROOT));
        }
        if (methods.isEmpty()) {
            throw config.error("allowed-methods", "must name at least one method, or be [\"*\"] for any");
        }
        List<String> allowedMethods = List.copyOf(new LinkedHashSet<>(methods));
        if (allowedMethods.contains(WILDCARD) && allowedMethods.size() > 1) {
            throw config.error("allowed-methods", "'*' allows every method and must be alone in the list");
        }

        List<String> allowedHeaders = tokens(config, "allowed-headers");

        List<String> exposedHeaders = tokens(config, "exposed-headers");
        if (exposedHeaders.contains(WILDCARD)) {
            if (exposedHeaders.size() > 1) {
                throw config.error("exposed-headers", "'*' exposes every header and must be alone in the list");
            }
            if (allowCredentials) {
                throw config.error("exposed-headers", "'*' cannot be combined with allow-credentials = true: browsers read"
                        + " 'Access-Control-Expose-Headers: *' as a header named '*' on credentialed requests; list the headers");
            }
        }

        Duration maxAge = config.getDuration("max-age");
        if (maxAge.isNegative()) {
            throw config.error("max-age", "must not be negative");
        }
        return new CorsSettings(origins, allowedMethods, allowedHeaders, exposedHeaders, allowCredentials,
                Duration.ofSeconds(maxAge.getSeconds()));
    }

    /** A list of tokens (RFC 9110 §5.6.2: method and field names), or {@code *}, without duplicates. */
    private static List<String> tokens(PluginConfig config, String key) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> tokens = new ArrayList<>();
        for (String token : config.getStringList(key)) {
            if (!token.equals(WILDCARD) && !isToken(token, 0, token.length())) {
                throw config.error(key, "'" + token + "' is not a valid " + (key.equals("allowed-methods") ? "method" : "header name"));
            }
            if (seen.add(token.toLowerCase(Locale.ROOT))) {
                tokens.add(token);
            }
        }
        return List.copyOf(tokens);
    }

    /** Whether {@code text[start, end)} is a non-empty token of RFC 9110 §5.6.2. */
    static boolean isToken(String text, int start, int end) {
        if (start >= end) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            boolean tokenCharacter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c < 0x7f && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tokenCharacter) {
                return false;
            }
        }
        return true;
    }
}
