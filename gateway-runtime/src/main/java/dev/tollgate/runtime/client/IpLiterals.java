package dev.tollgate.runtime.client;

import java.util.Arrays;

/**
 * IP address literals, parsed without ever resolving a name: {@code 192.0.2.7} (four decimal
 * parts, no leading zeros, which some parsers read as octal) and RFC 4291 text forms of IPv6
 * ({@code 2001:db8::1}, {@code ::ffff:192.0.2.7}; no zone). {@code InetAddress.getByName} is not
 * used because it looks up anything that is not a literal it knows.
 *
 * <p>An address is its bytes: 4 for IPv4, 16 for IPv6, with IPv4-mapped IPv6 addresses
 * ({@code ::ffff:a.b.c.d}) given as their 4 IPv4 bytes, as Java gives a dual-stack socket's
 * IPv4 peer.
 */
final class IpLiterals {
    private IpLiterals() {
    }

    /** The address {@code text[start, end)} spells, or null when it is not an IP literal. */
    static byte[] parse(String text, int start, int end) {
        if (start >= end) {
            return null;
        }
        int colon = text.indexOf(':', start);
        if (colon < 0 || colon >= end) {
            return parseIpv4(text, start, end);
        }
        byte[] address = parseIpv6(text, start, end);
        return address == null ? null : unmapped(address);
    }

    /** The address {@code text} spells, or null. */
    static byte[] parse(String text) {
        return parse(text, 0, text.length());
    }

    /** {@code address} as 4 bytes when it is an IPv4-mapped IPv6 address, else itself. */
    static byte[] unmapped(byte[] address) {
        if (address.length != 16) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        if (address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
            return address;
        }
        return new byte[] {address[12], address[13], address[14], address[15]};
    }

    private static byte[] parseIpv4(String text, int start, int end) {
        byte[] address = new byte[4];
        int part = 0;
        int i = start;
        while (true) {
            int partStart = i;
            int value = 0;
            while (i < end && i - partStart < 3 && isDigit(text.charAt(i))) {
                value = value * 10 + text.charAt(i) - '0';
                i++;
            }
            int digits = i - partStart;
            if (digits == 0 || value > 255 || digits > 1 && text.charAt(partStart) == '0') {
                return null;
            }
            address[part++] = (byte) value;
            if (part == 4) {
                return i == end ? address : null;
            }
            if (i >= end || text.charAt(i) != '.') {
                return null;
            }
            i++;
        }
    }

    private static byte[] parseIpv6(String text, int start, int end) {
        byte[] address = new byte[16];
        int groups = 0;
        int compressedAt = -1;
        int i = start;
        if (text.charAt(i) == ':') {
            if (end - i < 2 || text.charAt(i + 1) != ':') {
                return null;
            }
            compressedAt = 0;
            i += 2;
        }
        while (i < end) {
            if (groups == 8) {
                return null;
            }
            int groupStart = i;
            int value = 0;
            while (i < end && hexValue(text.charAt(i)) >= 0) {
                if (i - groupStart == 4) {
                    return null;
                }
                value = value << 4 | hexValue(text.charAt(i));
                i++;
            }
            if (i < end && text.charAt(i) == '.') {
                // An IPv4 tail takes the last two groups.
                byte[] ipv4 = groups <= 6 ? parseIpv4(text, groupStart, end) : null;
                if (ipv4 == null) {
                    return null;
                }
                System.arraycopy(ipv4, 0, address, groups * 2, 4);
                groups += 2;
                i = end;
                break;
            }
            if (i == groupStart) {
                return null;
            }
            address[groups * 2] = (byte) (value >> 8);
            address[groups * 2 + 1] = (byte) value;
            groups++;
            if (i == end) {
                break;
            }
            if (text.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < end && text.charAt(i) == ':') {
                if (compressedAt >= 0) {
                    return null;
                }
                compressedAt = groups;
                i++;
            }
            else if (i == end) {
                return null;
            }
        }
        if (compressedAt < 0) {
            return groups == 8 ? address : null;
        }
        if (groups == 8) {
            return null;
        }
        int tail = (groups - compressedAt) * 2;
        System.arraycopy(address, compressedAt * 2, address, 16 - tail, tail);
        Arrays.fill(address, compressedAt * 2, 16 - tail, (byte) 0);
        return address;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
