package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.Principal;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The headers that tell an instance who a request is on behalf of, from the exchange's principal
 * ({@code principal-headers} of a service): its name, its roles (sorted, comma-separated) and the
 * claims the service names. A client's copies of these headers never reach the instance, whether
 * or not the exchange has a principal: {@link #isPrincipalHeader} drops them, whoever set them
 * (only the principal decides them), and {@link #write} writes the principal's.
 *
 * <p>Values are sent as they are, except that {@code %}, control characters and characters
 * outside ASCII are percent-encoded (their UTF-8 bytes), and in lists a comma inside an item too:
 * a header can carry any name, and a backend that percent-decodes gets exactly the principal's
 * value. A claim that is absent, {@code null}, an empty list or an object (a map) writes no header;
 * numbers are written in plain decimal ({@code 1700000000}, not {@code 1.7E9}); lists are
 * comma-joined.
 *
 * @param userId the header for {@link Principal#name()}; empty for none
 * @param roles the header for {@link Principal#roles()}; empty for none
 * @param claims claim name → header name, in claim name order
 */
record PrincipalHeaders(String userId, String roles, Map<String, String> claims) {
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    PrincipalHeaders {
        requireNonNull(userId, "userId is null");
        requireNonNull(roles, "roles is null");
        claims = Collections.unmodifiableMap(new TreeMap<>(requireNonNull(claims, "claims is null")));
    }

    /**
     * Reads {@code principal-headers} of a service block. A name must be a header name that is
     * not one of HTTP's or the gateway's own (Host, Authorization, the forwarding headers, the
     * request id…), and no two may be the same.
     */
    static PrincipalHeaders from(PluginConfig service) {
        String userId = headerName(service, "principal-headers.user-id", service.getString("principal-headers.user-id"));
        String roles = headerName(service, "principal-headers.roles", service.getString("principal-headers.roles"));
        Map<String, String> claims = new TreeMap<>();
        List<String> names = new ArrayList<>();
        names.add(userId);
        names.add(roles);
        for (Map.Entry<String, String> claim : service.getStringMap("principal-headers.claims").entrySet()) {
            String key = "principal-headers.claims." + claim.getKey();
            String header = headerName(service, key, claim.getValue());
            if (!header.isEmpty()) {
                claims.put(claim.getKey(), header);
                names.add(header);
            }
        }
        TreeSet<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : names) {
            if (!name.isEmpty() && !seen.add(name)) {
                throw service.error("principal-headers", "'" + name + "' is named twice: each header carries one thing");
            }
        }
        return new PrincipalHeaders(userId, roles, claims);
    }

    private static String headerName(PluginConfig service, String key, String name) {
        if (name.isEmpty()) {
            return name;
        }
        if (!HEADER_NAME.matcher(name).matches()) {
            throw service.error(key, "'" + name + "' is not a header name");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (HeaderRules.lookup(name) != null || lower.equals("x-real-ip") || lower.equals("x-request-id") || lower.startsWith("x-forwarded-")) {
            throw service.error(key, "'" + name + "' is a header of HTTP or of the gateway; name one of your own, such as X-User-Id");
        }
        return name;
    }

    /** The configured header names, for the headers writer to drop a request's own copies. */
    String[] names() {
        List<String> names = new ArrayList<>(claims.size() + 2);
        if (!userId.isEmpty()) {
            names.add(userId);
        }
        if (!roles.isEmpty()) {
            names.add(roles);
        }
        names.addAll(claims.values());
        return names.toArray(String[]::new);
    }

    /** Whether {@code name} is one of {@code names} (ignoring case): a field the principal decides. */
    static boolean isPrincipalHeader(String[] names, String name) {
        for (String candidate : names) {
            if (candidate.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Adds the principal's headers to {@code target}; nothing for an anonymous exchange. */
    void write(Principal principal, HttpFields.Mutable target) {
        if (principal == null) {
            return;
        }
        if (!userId.isEmpty()) {
            target.add(new HttpField(userId, encode(principal.name(), false)));
        }
        if (!roles.isEmpty() && !principal.roles().isEmpty()) {
            target.add(new HttpField(roles, list(new TreeSet<>(principal.roles()))));
        }
        for (Map.Entry<String, String> claim : claims.entrySet()) {
            String value = claimValue(principal.claims().get(claim.getKey()));
            if (value != null) {
                target.add(new HttpField(claim.getValue(), value));
            }
        }
    }

    /** A claim as a header value, or null for none (absent, null, an object, an empty list). */
    static String claimValue(Object claim) {
        if (claim instanceof Collection<?> items) {
            List<String> values = new ArrayList<>(items.size());
            for (Object item : items) {
                String scalar = scalar(item);
                if (scalar == null) {
                    return null;
                }
                values.add(scalar);
            }
            return values.isEmpty() ? null : list(values);
        }
        String scalar = scalar(claim);
        return scalar == null ? null : encode(scalar, false);
    }

    private static String scalar(Object value) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            BigDecimal decimal = value instanceof BigDecimal big ? big : new BigDecimal(value.toString());
            return decimal.stripTrailingZeros().toPlainString();
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        return null;
    }

    private static String list(Collection<String> items) {
        StringBuilder joined = new StringBuilder();
        for (String item : items) {
            if (!joined.isEmpty()) {
                joined.append(',');
            }
            joined.append(encode(item, true));
        }
        return joined.toString();
    }

    /** The value with {@code %}, control and non-ASCII characters (and commas in a list item) percent-encoded as UTF-8. */
    static String encode(String value, boolean listItem) {
        int i = 0;
        while (i < value.length() && isPlain(value.charAt(i), listItem)) {
            i++;
        }
        if (i == value.length()) {
            return value;
        }
        StringBuilder encoded = new StringBuilder(value.length() + 16).append(value, 0, i);
        for (; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isPlain(c, listItem)) {
                encoded.append(c);
                continue;
            }
            int end = Character.isHighSurrogate(c) && i + 1 < value.length() ? i + 2 : i + 1;
            for (byte b : value.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                encoded.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
            i = end - 1;
        }
        return encoded.toString();
    }

    private static boolean isPlain(char c, boolean listItem) {
        return c >= 0x20 && c < 0x7F && c != '%' && !(listItem && c == ',');
    }
}
