package dev.tollgate.runtime.client;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose forwarding headers the gateway believes ({@code gateway.server.trusted-proxies}):
 * IPv4 and IPv6 ranges in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) or single
 * addresses. An IPv4-mapped IPv6 range ({@code ::ffff:10.0.0.0/104}) is its IPv4 range, since
 * Java gives IPv4 peers of dual-stack sockets as IPv4 addresses. Immutable and thread-safe.
 */
public final class TrustedProxies {
    /** No proxy is trusted: every peer is the client. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), new Range[0]);

    private final List<String> ranges;
    private final Range[] parsed;

    private TrustedProxies(List<String> ranges, Range[] parsed) {
        this.ranges = ranges;
        this.parsed = parsed;
    }

    /**
     * The ranges {@code cidrs} lists.
     *
     * @throws IllegalArgumentException naming the first entry that is not an IP address or a CIDR
     *         range, or whose address has bits set beyond its prefix (a likely typo)
     */
    public static TrustedProxies of(List<String> cidrs) {
        List<Range> parsed = new ArrayList<>(cidrs.size());
        for (String cidr : cidrs) {
            parsed.add(Range.parse(cidr));
        }
        return parsed.isEmpty() ? NONE : new TrustedProxies(List.copyOf(cidrs), parsed.toArray(Range[]::new));
    }

    public boolean isEmpty() {
        return parsed.length == 0;
    }

    /** The ranges as configured. */
    public List<String> ranges() {
        return ranges;
    }

    /** Whether {@code address} is in one of the ranges; false for null. */
    public boolean contains(InetAddress address) {
        return address != null && parsed.length > 0 && contains(IpLiterals.unmapped(address.getAddress()));
    }

    /** Whether the address of these bytes (4 or 16, IPv4-mapped ones as 4) is in one of the ranges. */
    boolean contains(byte[] address) {
        for (Range range : parsed) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Equal when the same ranges are configured, in the same order. */
    @Override
    public boolean equals(Object other) {
        return other instanceof TrustedProxies that && ranges.equals(that.ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    @Override
    public String toString() {
        return ranges.toString();
    }

    /** One range: the network's bytes and the prefix length. */
    private record Range(byte[] network, int prefix) {
        static Range parse(String cidr) {
            String text = cidr.trim();
            int slash = text.indexOf('/');
            byte[] address = IpLiterals.parse(text, 0, slash < 0 ? text.length() : slash);
            if (address == null) {
                throw new IllegalArgumentException("'" + cidr + "' is not an IP address or a CIDR range such as 10.0.0.0/8 or 2001:db8::/32");
            }
            boolean mapped = address.length == 4 && text.indexOf(':') >= 0;
            int bits = mapped ? 128 : address.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                prefix = parsePrefix(text.substring(slash + 1));
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("'" + cidr + "': the prefix length must be 0 to " + bits);
                }
            }
            if (mapped) {
                if (prefix < 96) {
                    throw new IllegalArgumentException("'" + cidr + "': an IPv4-mapped range needs a prefix of 96 to 128");
                }
                prefix -= 96;
            }
            Range range = new Range(address, prefix);
            if (hasHostBits(address, prefix)) {
                throw new IllegalArgumentException("'" + cidr + "' has bits set beyond its /" + (mapped ? prefix + 96 : prefix)
                        + " prefix; did you mean " + range.networkText(text, slash, mapped) + "?");
            }
            return range;
        }

        private static int parsePrefix(String text) {
            if (text.isEmpty() || text.length() > 3) {
                return -1;
            }
            int value = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                value = value * 10 + c - '0';
            }
            return value;
        }

        private static boolean hasHostBits(byte[] address, int prefix) {
            for (int bit = prefix; bit < address.length * 8; bit++) {
                if ((address[bit / 8] & 0x80 >>> bit % 8) != 0) {
                    return true;
                }
            }
            return false;
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << 8 - rest & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }

        /** The range with the host bits cleared, written as the user wrote it (for a "did you mean"). */
        private String networkText(String text, int slash, boolean mapped) {
            byte[] cleared = network.clone();
            for (int bit = prefix; bit < cleared.length * 8; bit++) {
                cleared[bit / 8] &= (byte) ~(0x80 >>> bit % 8);
            }
            String address;
            try {
                address = InetAddress.getByAddress(cleared).getHostAddress();
            }
            catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
            return (mapped ? "::ffff:" : "") + address + text.substring(slash);
        }
    }
}
