package dev.tollgate.plugin.cors;

import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * A tuple origin (RFC 6454): scheme and host in lower case, and the port, with the scheme's
 * default port (80 for {@code http}, 443 for {@code https}) held as {@link #DEFAULT_PORT} so that
 * {@code https://app.example} and {@code HTTPS://App.Example:443} are the same origin.
 *
 * @param scheme lower case, e.g. {@code https}
 * @param host lower case; an IPv6 address keeps its brackets
 * @param port the port, or {@link #DEFAULT_PORT}
 */
record Origin(String scheme, String host, int port) {
    /** The port of an origin that uses its scheme's default port. */
    static final int DEFAULT_PORT = -1;

    Origin {
        requireNonNull(scheme, "scheme is null");
        requireNonNull(host, "host is null");
    }

    /**
     * Parses {@code scheme://host[:port]}, ignoring the case of scheme and host and an explicit
     * default port. Returns {@code null} for anything else: a path (even a lone {@code /}), user
     * information, a query, the opaque origin {@code null}. Never throws: it runs on request
     * origins.
     */
    static Origin parse(String text) {
        int separator = text.indexOf("://");
        if (separator <= 0 || !isScheme(text, separator)) {
            return null;
        }
        int hostStart = separator + 3;
        int hostEnd;
        if (hostStart < text.length() && text.charAt(hostStart) == '[') {
            int close = text.indexOf(']', hostStart);
            if (close < 0 || !isIpv6Address(text, hostStart + 1, close)) {
                return null;
            }
            hostEnd = close + 1;
        }
        else {
            hostEnd = hostStart;
            while (hostEnd < text.length() && text.charAt(hostEnd) != ':') {
                hostEnd++;
            }
            if (!isHostName(text, hostStart, hostEnd)) {
                return null;
            }
        }
        String scheme = text.substring(0, separator).toLowerCase(Locale.ROOT);
        int port = DEFAULT_PORT;
        if (hostEnd < text.length()) {
            if (text.charAt(hostEnd) != ':') {
                return null;
            }
            port = parsePort(text, hostEnd + 1);
            if (port < 0) {
                return null;
            }
            if (port == defaultPort(scheme)) {
                port = DEFAULT_PORT;
            }
        }
        return new Origin(scheme, text.substring(hostStart, hostEnd).toLowerCase(Locale.ROOT), port);
    }

    /** The port {@code scheme} uses when an origin names none; {@link #DEFAULT_PORT} when unknown. */
    static int defaultPort(String scheme) {
        return switch (scheme) {
            case "http" -> 80;
            case "https" -> 443;
            default -> DEFAULT_PORT;
        };
    }

    /** The origin as a browser sends it in {@code Origin}: {@code https://app.example}, {@code http://localhost:3000}. */
    String serialize() {
        return port == DEFAULT_PORT ? scheme + "://" + host : scheme + "://" + host + ":" + port;
    }

    /** Whether {@code text} is a host name: dot-separated labels of letters, digits, dashes and underscores. */
    static boolean isHostName(String text, int start, int end) {
        if (start >= end || end - start > 253) {
            return false;
        }
        boolean labelStart = true;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '.') {
                if (labelStart) {
                    return false;
                }
                labelStart = true;
            }
            else if (isLetterOrDigit(c) || c == '-' || c == '_') {
                labelStart = false;
            }
            else {
                return false;
            }
        }
        return !labelStart;
    }

    private static boolean isScheme(String text, int end) {
        if (!isLetter(text.charAt(0))) {
            return false;
        }
        for (int i = 1; i < end; i++) {
            char c = text.charAt(i);
            if (!isLetterOrDigit(c) && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6Address(String text, int start, int end) {
        if (start >= end) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** The port written from {@code start} to the end of {@code text}, or -1 if it is not one. */
    private static int parsePort(String text, int start) {
        int length = text.length() - start;
        if (length < 1 || length > 5) {
            return -1;
        }
        int port = 0;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }

    private static boolean isLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean isLetterOrDigit(char c) {
        return isLetter(c) || c >= '0' && c <= '9';
    }
}
