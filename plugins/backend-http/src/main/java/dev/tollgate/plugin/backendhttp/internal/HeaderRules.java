package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The header rules of a proxy (RFC 9110 §7.6): which fields are hop-by-hop and never forwarded,
 * which fields a {@code Connection} header names, and how the forwarding fields
 * ({@code X-Forwarded-*}, RFC 7239 {@code Forwarded}, {@code Via}) are written.
 */
final class HeaderRules {
    /**
     * Hop-by-hop fields, dropped in both directions: {@code Connection}, {@code Keep-Alive},
     * {@code Proxy-Connection}, {@code TE} (its {@code trailers} is forwarded on its own),
     * {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade}, {@code Proxy-Authenticate},
     * {@code Proxy-Authorization}.
     */
    static final EnumSet<HttpHeader> HOP_BY_HOP = EnumSet.of(HttpHeader.CONNECTION, HttpHeader.KEEP_ALIVE,
            HttpHeader.PROXY_CONNECTION, HttpHeader.TE, HttpHeader.TRAILER, HttpHeader.TRANSFER_ENCODING,
            HttpHeader.UPGRADE, HttpHeader.PROXY_AUTHENTICATE, HttpHeader.PROXY_AUTHORIZATION);

    /**
     * The well-known headers by the identity of their names. A name from a parsed field (the
     * runtime's request headers) is the very string of its {@link HttpHeader}, a literal, the same
     * instance in every class loader: one hash probe finds it, where Jetty's trie walks it.
     */
    private static final Map<String, HttpHeader> BY_IDENTITY = new IdentityHashMap<>();

    static {
        for (HttpHeader header : HttpHeader.values()) {
            BY_IDENTITY.put(header.asString(), header);
        }
    }

    private HeaderRules() {
    }

    /** The well-known header of that name (case-insensitive), or null. */
    static HttpHeader lookup(String name) {
        HttpHeader header = BY_IDENTITY.get(name);
        return header != null ? header : HttpHeader.CACHE.get(name);
    }

    /**
     * The names the {@code Connection} fields of {@code fields} list — every field, not only the
     * first — beyond the fields that are hop-by-hop anyway ({@code close} and {@code keep-alive}
     * name none): they are dropped too. Null when there are none, which is the common case, so
     * nothing is allocated for it.
     */
    static String[] connectionOptions(HttpFields fields) {
        String[] result = null;
        for (int i = 0, size = fields.size(); i < size; i++) {
            HttpField field = fields.getField(i);
            if (field.getHeader() == HttpHeader.CONNECTION) {
                result = connectionOptions(field.getValue(), result);
            }
        }
        return result;
    }

    /** {@code options} (null at first) with the names one {@code Connection} value lists. */
    private static String[] connectionOptions(String connection, String[] options) {
        String[] result = options;
        int start = 0;
        int length = connection.length();
        while (start <= length) {
            int comma = connection.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            // Trimmed as String.trim() would, without a string for the common close and keep-alive.
            int from = start;
            int to = end;
            while (from < to && connection.charAt(from) <= ' ') {
                from++;
            }
            while (to > from && connection.charAt(to - 1) <= ' ') {
                to--;
            }
            if (from < to && !is(connection, from, to, "close") && !is(connection, from, to, "keep-alive")) {
                String option = connection.substring(from, to);
                HttpHeader known = lookup(option);
                if (known == null || !HOP_BY_HOP.contains(known)) {
                    result = result == null ? new String[1] : Arrays.copyOf(result, result.length + 1);
                    result[result.length - 1] = option;
                }
            }
            start = end + 1;
        }
        return result;
    }

    /** Whether {@code value}'s characters from {@code from} to {@code to} are {@code word}, ignoring case. */
    private static boolean is(String value, int from, int to, String word) {
        return to - from == word.length() && value.regionMatches(true, from, word, 0, word.length());
    }

    /** Whether {@code name} is one of the {@link #connectionOptions} (which may be null). */
    static boolean isConnectionOption(String[] options, String name) {
        if (options == null) {
            return false;
        }
        for (String option : options) {
            if (option.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a comma-separated value holds {@code token}, ignoring case and parameters ({@code trailers;q=1}). */
    static boolean containsToken(String value, String token) {
        int start = 0;
        int length = value.length();
        while (start <= length) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            int semicolon = value.indexOf(';', start);
            int tokenEnd = semicolon >= 0 && semicolon < end ? semicolon : end;
            if (value.substring(start, tokenEnd).trim().equalsIgnoreCase(token)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** {@code first, second}, or {@code second} alone when {@code first} is null. */
    static String join(String first, String second) {
        return first == null ? second : first + ", " + second;
    }

    /** The address as X-Forwarded-For writes it: the bare IP, IPv6 without brackets. */
    static String clientAddress(InetSocketAddress address) {
        if (address == null) {
            return "unknown";
        }
        InetAddress ip = address.getAddress();
        return ip == null ? address.getHostString() : ip.getHostAddress();
    }

    /**
     * One RFC 7239 element for the client: {@code for=…;host=…;proto=…}, IPv6 addresses as
     * {@code "[…]"}, values quoted where they are not tokens.
     */
    static String forwardedElement(InetSocketAddress client, String host, String proto) {
        String forValue;
        if (client == null) {
            forValue = "unknown";
        }
        else if (client.getAddress() instanceof Inet6Address) {
            forValue = "\"[" + client.getAddress().getHostAddress() + "]\"";
        }
        else {
            forValue = clientAddress(client);
        }
        return "for=" + forValue + ";host=" + quoteIfNeeded(host) + ";proto=" + proto;
    }

    /** The value as a token, or a quoted-string when it holds characters a token may not. */
    static String quoteIfNeeded(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (!isTokenCharacter(value.charAt(i))) {
                StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
                for (int j = 0; j < value.length(); j++) {
                    char c = value.charAt(j);
                    if (c == '"' || c == '\\') {
                        quoted.append('\\');
                    }
                    quoted.append(c);
                }
                return quoted.append('"').toString();
            }
        }
        return value.isEmpty() ? "\"\"" : value;
    }

    /** The characters of a token (RFC 9110 §5.6.2), by code point below 128. */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            TOKEN[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }

    private static boolean isTokenCharacter(char c) {
        return c < 128 && TOKEN[c];
    }

    /** The received-protocol of a Via entry: {@code 1.1} for HTTP/1.1, {@code 2} for HTTP/2. */
    static String viaProtocol(String protocol) {
        return switch (protocol) {
            case "HTTP/1.0" -> "1.0";
            case "HTTP/1.1" -> "1.1";
            case "HTTP/2.0", "HTTP/2" -> "2";
            case "HTTP/3.0", "HTTP/3" -> "3";
            default -> protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol;
        };
    }
}
