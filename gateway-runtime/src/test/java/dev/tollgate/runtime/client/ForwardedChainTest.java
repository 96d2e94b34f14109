package dev.tollgate.runtime.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Address literals, trusted ranges and forwarded chains on their own: the parsing the client address rests on. */
class ForwardedChainTest {

    private static String literal(String text) throws Exception {
        byte[] address = IpLiterals.parse(text);
        return address == null ? null : InetAddress.getByAddress(address).getHostAddress();
    }

    @Test
    void parsesAddressLiteralsWithoutResolvingNames() throws Exception {
        assertThat(literal("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(literal("0.0.0.0")).isEqualTo("0.0.0.0");
        assertThat(literal("2001:db8::1")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(literal("::")).isEqualTo("0:0:0:0:0:0:0:0");
        assertThat(literal("::1")).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(literal("1::")).isEqualTo("1:0:0:0:0:0:0:0");
        assertThat(literal("1:2:3:4:5:6:7::")).isEqualTo("1:2:3:4:5:6:7:0");
        assertThat(literal("FE80:0:0:0:0:0:0:AbCd")).isEqualTo("fe80:0:0:0:0:0:0:abcd");
        assertThat(literal("64:ff9b::192.0.2.7")).isEqualTo("64:ff9b:0:0:0:0:c000:207");
        // IPv4-mapped addresses are their IPv4 address, as Java gives dual-stack peers.
        assertThat(literal("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(IpLiterals.parse("::ffff:c000:207")).hasSize(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "cafe.be", "abcd", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1..2.3",
            "1.2.3.4 ", "0x7f.0.0.1", "2130706433", ":", ":1", "1:", "1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:8::", "fe80::1%eth0", "::ffff:1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "g::1", "[::1]"})
    void refusesWhatIsNoAddressLiteral(String text) {
        assertThat(IpLiterals.parse(text)).as(text).isNull();
    }

    @Test
    void trustedRangesMatchByPrefixInBothFamilies() throws Exception {
        TrustedProxies trusted = TrustedProxies.of(List.of("10.0.0.0/8", "192.0.2.7", "172.16.0.0/12", "2001:db8::/32",
                "::ffff:198.51.100.0/120", "203.0.113.128/25"));
        assertThat(trusted.contains(InetAddress.getByName("10.255.1.2"))).isTrue();
        assertThat(trusted.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(trusted.contains(InetAddress.getByName("192.0.2.7"))).isTrue();
        assertThat(trusted.contains(InetAddress.getByName("192.0.2.8"))).isFalse();
        assertThat(trusted.contains(InetAddress.getByName("172.31.255.255"))).isTrue();
        assertThat(trusted.contains(InetAddress.getByName("172.32.0.0"))).isFalse();
        assertThat(trusted.contains(InetAddress.getByName("2001:db8:ffff::1"))).isTrue();
        assertThat(trusted.contains(InetAddress.getByName("2001:db9::1"))).isFalse();
        assertThat(trusted.contains(InetAddress.getByName("198.51.100.9"))).as("an IPv4-mapped range is its IPv4 range").isTrue();
        assertThat(trusted.contains(InetAddress.getByName("203.0.113.200"))).isTrue();
        assertThat(trusted.contains(InetAddress.getByName("203.0.113.100"))).isFalse();
        assertThat(trusted.contains((InetAddress) null)).isFalse();
        assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains(InetAddress.getByName("8.8.8.8"))).isTrue();
        assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains(InetAddress.getByName("::1"))).isFalse();
        assertThat(TrustedProxies.of(List.of())).isSameAs(TrustedProxies.NONE);
    }

    @Test
    void refusesRangesThatAreMistakes() {
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/8", "proxy.internal")))
                .hasMessageContaining("'proxy.internal' is not an IP address or a CIDR range");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33"))).hasMessageContaining("prefix length must be 0 to 32");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("2001:db8::/129"))).hasMessageContaining("prefix length must be 0 to 128");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/"))).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/8/8"))).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.1.2.3/8"))).hasMessageContaining("did you mean 10.0.0.0/8?");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("2001:db8::1/32"))).hasMessageContaining("did you mean 2001:db8:0:0:0:0:0:0/32?");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("::ffff:10.0.0.0/64"))).hasMessageContaining("96 to 128");
    }

    private static List<String> forwarded(String value) throws Exception {
        return visit(value, true);
    }

    private static List<String> addressList(String value) throws Exception {
        return visit(value, false);
    }

    /** The nodes visited, nearest first; "?" for a null (the walk stops there). */
    private static List<String> visit(String value, boolean forwarded) throws Exception {
        List<byte[]> nodes = new ArrayList<>();
        ForwardedChain.Visitor visitor = node -> {
            nodes.add(node);
            return node != null;
        };
        if (forwarded) {
            ForwardedChain.visitForwarded(value, visitor);
        }
        else {
            ForwardedChain.visitAddressList(value, visitor);
        }
        List<String> result = new ArrayList<>();
        for (byte[] node : nodes) {
            result.add(node == null ? "?" : InetAddress.getByAddress(node).getHostAddress());
        }
        return result;
    }

    @Test
    void readsForwardedElementsFromTheNearest() throws Exception {
        assertThat(forwarded("for=192.0.2.60;proto=http;by=203.0.113.43")).containsExactly("192.0.2.60");
        assertThat(forwarded("for=192.0.2.43, for=198.51.100.17")).containsExactly("198.51.100.17", "192.0.2.43");
        assertThat(forwarded("For=\"[2001:db8:cafe::17]:4711\"")).containsExactly("2001:db8:cafe:0:0:0:0:17");
        assertThat(forwarded("for=\"[2001:db8:cafe::17]\" ; proto=https ,for=\"192.0.2.7:80\"")).containsExactly("192.0.2.7",
                "2001:db8:cafe:0:0:0:0:17");
        // Commas, semicolons and escaped quotes inside quoted-strings are text.
        assertThat(forwarded("for=192.0.2.1;host=\"a,b;c=\\\"d\\\\\", for=192.0.2.2")).containsExactly("192.0.2.2", "192.0.2.1");
        assertThat(forwarded(",, for=192.0.2.1 ,")).containsExactly("192.0.2.1");
    }

    @Test
    void stopsAtWhatIsNoAddress() throws Exception {
        assertThat(forwarded("for=192.0.2.1, for=unknown, for=192.0.2.3")).containsExactly("192.0.2.3", "?");
        assertThat(forwarded("for=192.0.2.1, for=_hidden, for=192.0.2.3")).containsExactly("192.0.2.3", "?");
        assertThat(forwarded("for=\"_hidden:_port\"")).containsExactly("?");
        assertThat(forwarded("for=\"192.0.2.1:_port\"")).containsExactly("192.0.2.1");
        assertThat(forwarded("proto=https")).as("no for").containsExactly("?");
        assertThat(forwarded("for=192.0.2.1;for=192.0.2.2")).as("two for").containsExactly("?");
        assertThat(forwarded("for=[2001:db8::1]")).as("brackets need quotes").containsExactly("?");
        assertThat(forwarded("for=\"2001:db8::1\"")).as("IPv6 needs brackets").containsExactly("?");
        assertThat(forwarded("for=\"[192.0.2.1]\"")).as("brackets hold IPv6").containsExactly("?");
        assertThat(forwarded("for")).containsExactly("?");
        assertThat(forwarded("for=")).containsExactly("?");
        assertThat(forwarded("=192.0.2.1")).containsExactly("?");
        assertThat(forwarded("for=\"192.0.2.1")).containsExactly("?");
        assertThat(forwarded("for=192.0.2.1\"")).containsExactly("?");
        assertThat(forwarded("for=\"192.0.2.1\\\"")).containsExactly("?");
    }

    @Test
    void aClientsGarbageLeftOfATrustedEntryDoesNotChangeHowTheEntryIsRead() throws Exception {
        // An unterminated quote or a stray comma the client wrote lies left of what its proxies appended.
        assertThat(forwarded("for=\"oops, for=198.51.100.7")).first().isEqualTo("198.51.100.7");
        assertThat(forwarded("for=x;host=\"a, for=\"[2001:db8::7]\"")).first().isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(addressList("\"oops, 198.51.100.7")).first().isEqualTo("198.51.100.7");
    }

    @Test
    void readsAddressListsFromTheNearest() throws Exception {
        assertThat(addressList("203.0.113.195, 2001:db8:85a3::8a2e:370:7334, 198.51.100.178")).containsExactly("198.51.100.178",
                "2001:db8:85a3:0:0:8a2e:370:7334", "203.0.113.195");
        assertThat(addressList(" 192.0.2.1:8080 ,[2001:db8::1]:443,[2001:db8::2] ,, ")).containsExactly("2001:db8:0:0:0:0:0:2",
                "2001:db8:0:0:0:0:0:1", "192.0.2.1");
        assertThat(addressList("192.0.2.1, unknown, 192.0.2.3")).containsExactly("192.0.2.3", "?");
        assertThat(addressList("192.0.2.1, 192.0.2.300")).containsExactly("?");
        assertThat(addressList("192.0.2.1:x")).containsExactly("?");
        assertThat(addressList("")).isEmpty();
    }
}
