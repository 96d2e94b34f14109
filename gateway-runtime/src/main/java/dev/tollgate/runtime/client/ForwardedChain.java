package dev.tollgate.runtime.client;

/**
 * Reads the chain of addresses proxies reported for a request from its nearest end: right to
 * left, so that a trusted proxy's entry is read before — and never through — what the client
 * wrote to its left. A client cannot, with an unterminated quote or a stray comma, change how the
 * entries appended after its own are read. Two kinds of header:
 * <ul>
 *   <li>RFC 7239 {@code Forwarded}: elements separated by commas, each of {@code name=value}
 *       pairs separated by semicolons, a value a token or a quoted-string (with {@code \}
 *       escapes; commas and semicolons inside it are text). An element's {@code for} names the
 *       node: {@code 192.0.2.7}, {@code "192.0.2.7:4711"}, {@code "[2001:db8::1]"},
 *       {@code "[2001:db8::1]:4711"}, or a node that is no address ({@code unknown}, an
 *       obfuscated {@code _hidden}).</li>
 *   <li>A list of addresses, as {@code X-Forwarded-For} and its kind ({@code X-Real-IP},
 *       {@code CF-Connecting-IP}…): comma-separated, each an IPv4 address or an IPv6 address
 *       bare or in brackets, either with a {@code :port}; or {@code unknown}.</li>
 * </ul>
 * A node that is no address, an element without {@code for} (or with two), and anything
 * malformed reach the visitor as {@code null}: the chain cannot be followed past them.
 */
final class ForwardedChain {
    private ForwardedChain() {
    }

    /** Receives the nodes of a chain, nearest first. */
    interface Visitor {
        /** @param node the node's address (4 or 16 bytes), or null; @return whether to go on */
        boolean visit(byte[] node);
    }

    /** Visits the nodes of one {@code Forwarded} field value, right to left; false when the visitor stopped. */
    static boolean visitForwarded(String value, Visitor visitor) {
        int position = value.length();
        while (true) {
            position = skipWhitespaceLeft(value, position);
            while (position > 0 && value.charAt(position - 1) == ',') {
                position = skipWhitespaceLeft(value, position - 1);
            }
            if (position == 0) {
                return true;
            }
            ElementReader element = new ElementReader(value, position);
            if (!element.read()) {
                visitor.visit(null);
                return false;
            }
            String node = element.forValue;
            if (!visitor.visit(node == null ? null : node(node, 0, node.length(), false))) {
                return false;
            }
            position = element.start;
        }
    }

    /** Visits the nodes of one address list value ({@code X-Forwarded-For}), right to left; false when the visitor stopped. */
    static boolean visitAddressList(String value, Visitor visitor) {
        int end = value.length();
        while (end >= 0) {
            int comma = value.lastIndexOf(',', end - 1);
            int last = end;
            while (last > comma + 1 && isWhitespace(value.charAt(last - 1))) {
                last--;
            }
            int first = comma + 1;
            while (first < last && isWhitespace(value.charAt(first))) {
                first++;
            }
            if (first < last && !visitor.visit(node(value, first, last, true))) {
                return false;
            }
            end = comma;
        }
        return true;
    }

    /**
     * The address of a node, {@code text[start, end)}: an IPv4 address, an IPv6 address in
     * brackets, either with a {@code :port}, or (when {@code bareIpv6}) an IPv6 address without
     * brackets; null for anything else.
     */
    static byte[] node(String text, int start, int end, boolean bareIpv6) {
        if (start >= end) {
            return null;
        }
        if (text.charAt(start) == '[') {
            int close = text.indexOf(']', start);
            if (close < 0 || close >= end || close + 1 < end && !isPort(text, close + 1, end)) {
                return null;
            }
            int colon = text.indexOf(':', start);
            return colon > start && colon < close ? IpLiterals.parse(text, start + 1, close) : null;
        }
        int colon = text.indexOf(':', start);
        if (colon < 0 || colon >= end) {
            return IpLiterals.parse(text, start, end);
        }
        int second = text.indexOf(':', colon + 1);
        if (second < 0 || second >= end) {
            // One colon: an IPv4 address with a port.
            return isPort(text, colon, end) ? IpLiterals.parse(text, start, colon) : null;
        }
        return bareIpv6 ? IpLiterals.parse(text, start, end) : null;
    }

    /** {@code :port} at {@code text[colon, end)}: digits, or an obfuscated port ({@code _abc}). */
    private static boolean isPort(String text, int colon, int end) {
        if (text.charAt(colon) != ':' || colon + 1 >= end) {
            return false;
        }
        boolean obfuscated = text.charAt(colon + 1) == '_';
        for (int i = colon + 1; i < end; i++) {
            char c = text.charAt(i);
            if (obfuscated ? !isTokenCharacter(c) : c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int skipWhitespaceLeft(String text, int end) {
        int i = end;
        while (i > 0 && isWhitespace(text.charAt(i - 1))) {
            i--;
        }
        return i;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isTokenCharacter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** Reads one {@code Forwarded} element that ends at {@code end}, right to left. */
    private static final class ElementReader {
        private final String value;
        /** Where the element starts once read: just after the comma before it, or 0. */
        private int start;
        /** The element's {@code for}, unquoted, or null when it has none. */
        private String forValue;

        ElementReader(String value, int end) {
            this.value = value;
            this.start = end;
        }

        /** False when the element is malformed. */
        boolean read() {
            boolean seenFor = false;
            int position = start;
            while (true) {
                position = skipWhitespaceLeft(value, position);
                int valueEnd = position;
                String pairValue;
                if (position > 0 && value.charAt(position - 1) == '"') {
                    int open = openingQuote(position - 1);
                    if (open < 0) {
                        return false;
                    }
                    pairValue = unescape(open + 1, position - 1);
                    position = open;
                }
                else {
                    while (position > 0 && isTokenCharacter(value.charAt(position - 1))) {
                        position--;
                    }
                    if (position == valueEnd) {
                        return false;
                    }
                    pairValue = value.substring(position, valueEnd);
                }
                if (position == 0 || value.charAt(position - 1) != '=') {
                    return false;
                }
                int nameEnd = --position;
                while (position > 0 && isTokenCharacter(value.charAt(position - 1))) {
                    position--;
                }
                if (position == nameEnd) {
                    return false;
                }
                if (nameEnd - position == 3 && value.regionMatches(true, position, "for", 0, 3)) {
                    if (seenFor) {
                        return false;
                    }
                    seenFor = true;
                    forValue = pairValue;
                }
                position = skipWhitespaceLeft(value, position);
                if (position == 0 || value.charAt(position - 1) == ',') {
                    start = position;
                    return true;
                }
                if (value.charAt(position - 1) != ';') {
                    return false;
                }
                position--;
            }
        }

        /** The quote that opens the quoted-string whose closing quote is at {@code close}, or -1. */
        private int openingQuote(int close) {
            if (isEscaped(close)) {
                return -1;
            }
            for (int i = close - 1; i >= 0; i--) {
                if (value.charAt(i) == '"' && !isEscaped(i)) {
                    return i;
                }
            }
            return -1;
        }

        /** Whether the character at {@code index} follows an odd run of backslashes. */
        private boolean isEscaped(int index) {
            int backslashes = 0;
            for (int i = index - 1; i >= 0 && value.charAt(i) == '\\'; i--) {
                backslashes++;
            }
            return backslashes % 2 == 1;
        }

        private String unescape(int from, int to) {
            int backslash = value.indexOf('\\', from);
            if (backslash < 0 || backslash >= to) {
                return value.substring(from, to);
            }
            StringBuilder text = new StringBuilder(to - from);
            for (int i = from; i < to; i++) {
                char c = value.charAt(i);
                if (c == '\\' && i + 1 < to) {
                    c = value.charAt(++i);
                }
                text.append(c);
            }
            return text.toString();
        }
    }
}
