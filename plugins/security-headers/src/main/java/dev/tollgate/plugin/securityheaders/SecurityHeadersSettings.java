package dev.tollgate.plugin.securityheaders;

import dev.tollgate.api.PluginConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One use of the {@code security-headers} filter, read once and validated (see
 * {@code reference.conf} for the keys and their defaults).
 *
 * @param strictTransportSecurity the {@code Strict-Transport-Security} value, sent on secure
 *        requests only; {@code null} when turned off
 * @param headers the other headers to send, in a fixed order, without those turned off
 * @param remove header names removed from every response, before the headers are set
 * @param overrideBackend whether a header the backend sent is replaced ({@code true}) or kept
 */
record SecurityHeadersSettings(String strictTransportSecurity, List<Header> headers, List<String> remove, boolean overrideBackend) {
    private static final Set<String> OFF_WORDS = Set.of("off", "false", "none", "no", "disabled");
    private static final Set<String> REFERRER_POLICIES = Set.of("no-referrer", "no-referrer-when-downgrade", "same-origin",
            "origin", "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url");

    SecurityHeadersSettings {
        headers = List.copyOf(headers);
        remove = List.copyOf(remove);
    }

    /** A response header field and the value the filter gives it. */
    record Header(String name, String value) {
        Header {
            requireNonNull(name, "name is null");
            requireNonNull(value, "value is null");
        }
    }

    /**
     * Reads and checks one use's configuration.
     *
     * @throws dev.tollgate.api.InvalidConfigException naming the key of the first unacceptable value
     */
    static SecurityHeadersSettings from(PluginConfig config) {
        String strictTransportSecurity = value(config, "strict-transport-security");
        if (strictTransportSecurity != null && !hasMaxAge(strictTransportSecurity)) {
            throw config.error("strict-transport-security", "must hold a max-age=<seconds> directive (RFC 6797 §6.1.1), e.g."
                    + " \"max-age=31536000; includeSubDomains\"");
        }

        List<Header> headers = new ArrayList<>();
        add(headers, "Content-Security-Policy", value(config, "content-security-policy"));

        String frameOptions = value(config, "x-frame-options");
        if (frameOptions != null && !frameOptions.equalsIgnoreCase("DENY") && !frameOptions.equalsIgnoreCase("SAMEORIGIN")) {
            throw config.error("x-frame-options", "must be DENY or SAMEORIGIN (RFC 7034; ALLOW-FROM is obsolete: use"
                    + " content-security-policy's frame-ancestors)");
        }
        add(headers, "X-Frame-Options", frameOptions);

        String contentTypeOptions = value(config, "x-content-type-options");
        if (contentTypeOptions != null && !contentTypeOptions.equalsIgnoreCase("nosniff")) {
            throw config.error("x-content-type-options", "must be nosniff, its only value");
        }
        add(headers, "X-Content-Type-Options", contentTypeOptions);

        String referrerPolicy = value(config, "referrer-policy");
        if (referrerPolicy != null) {
            for (String policy : referrerPolicy.split(",", -1)) {
                if (!REFERRER_POLICIES.contains(policy.strip().toLowerCase(Locale.ROOT))) {
                    throw config.error("referrer-policy", "'" + policy.strip() + "' is not a referrer policy; one of "
                            + String.join(", ", REFERRER_POLICIES.stream().sorted().toList()));
                }
            }
        }
        add(headers, "Referrer-Policy", referrerPolicy);

        add(headers, "Permissions-Policy", value(config, "permissions-policy"));

        List<String> remove = config.getStringList("remove");
        for (String name : remove) {
            if (!isToken(name)) {
                throw config.error("remove", "'" + name + "' is not a valid header name");
            }
        }
        return new SecurityHeadersSettings(strictTransportSecurity, headers, remove, config.getBoolean("override-backend"));
    }

    /**
     * The value at {@code key}, or {@code null} when it is {@code ""} (turned off). A value must be
     * a valid field value: visible ASCII characters, spaces and tabs inside, nothing that could
     * end the field (CR, LF) or be read another way.
     */
    private static String value(PluginConfig config, String key) {
        String value = config.getString(key);
        if (value.isEmpty()) {
            return null;
        }
        if (OFF_WORDS.contains(value.toLowerCase(Locale.ROOT))) {
            throw config.error(key, "'" + value + "' would be sent as the header's value; write \"\" to not send the header");
        }
        if (value.charAt(0) == ' ' || value.charAt(0) == '\t' || value.endsWith(" ") || value.endsWith("\t")) {
            throw config.error(key, "must not start or end with white space");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) {
                throw config.error(key, "must hold only visible ASCII characters, spaces and tabs (found "
                        + String.format("U+%04X", (int) c) + " at index " + i + ")");
            }
        }
        return value;
    }

    private static void add(List<Header> headers, String name, String value) {
        if (value != null) {
            headers.add(new Header(name, value));
        }
    }

    private static boolean hasMaxAge(String value) {
        for (String directive : value.split(";")) {
            String trimmed = directive.strip();
            int equals = trimmed.indexOf('=');
            if (equals > 0 && trimmed.substring(0, equals).strip().equalsIgnoreCase("max-age")) {
                String seconds = trimmed.substring(equals + 1).strip();
                if (seconds.length() > 2 && seconds.startsWith("\"") && seconds.endsWith("\"")) {
                    seconds = seconds.substring(1, seconds.length() - 1);
                }
                return !seconds.isEmpty() && seconds.chars().allMatch(c -> c >= '0' && c <= '9');
            }
        }
        return false;
    }

    /** Whether {@code name} is a non-empty token of RFC 9110 §5.6.2, as field names are. */
    private static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean tokenCharacter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c < 0x7f && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tokenCharacter) {
                return false;
            }
        }
        return true;
    }
}
