package dev.tollgate.runtime.client;

import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Screening on its own: what it removes, what it keeps, and that it copies nothing when nothing goes. */
class ClientScreenTest {
    private static final InetSocketAddress PROXY = new InetSocketAddress("10.0.0.5", 40000);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.50", 40000);
    private final ClientScreen screen = new ClientScreen(TrustedProxies.of(List.of("10.0.0.0/8")), "X-Forwarded-For",
            List.of("X-User-Id", "X-Forwarded-User"), "X-Request-Id");

    @Test
    void aRequestWithNothingToRemoveIsNotCopied() {
        HttpFields fields = HttpFields.build().add("Host", "a").add("Connection", "keep-alive").add("Connection", "Close")
                .add("Accept", "*/*").asImmutable();
        assertThat(screen.screen(fields, CLIENT)).isSameAs(fields);
        HttpFields forwarded = HttpFields.build().add("X-Forwarded-For", "198.51.100.7").add("Forwarded", "for=198.51.100.7")
                .add("X-Real-IP", "198.51.100.7").add("Connection", "X-Forwarded-For").asImmutable();
        assertThat(screen.screen(forwarded, PROXY)).as("a trusted proxy's forwarding headers, even named by Connection").isSameAs(forwarded);
    }

    @Test
    void removesIdentityHeadersForwardingHeadersOfClientsAndWhatConnectionNames() {
        HttpFields fields = HttpFields.build().add("Host", "a").add("x-user-id", "admin").add("X-Forwarded-User", "admin")
                .add("X-Forwarded-For", "7.7.7.7").add("X-Forwarded-Anything", "x").add("x-real-ip", "7.7.7.7").add("Forwarded", "for=x")
                .add("Connection", "X-A").add("Connection", "keep-alive, x-b, Host, TE, X-Request-Id").add("X-A", "1").add("X-B", "2")
                .add("TE", "trailers").add("X-Request-Id", "r").add("X-Kept", "yes").asImmutable();
        assertThat(screen.screen(fields, CLIENT).getFieldNamesCollection())
                .containsExactlyInAnyOrder("Host", "Connection", "TE", "X-Request-Id", "X-Kept");
        assertThat(screen.screen(fields, PROXY).getFieldNamesCollection()).as("from a trusted proxy")
                .containsExactlyInAnyOrder("Host", "X-Forwarded-For", "X-Forwarded-Anything", "x-real-ip", "Forwarded", "Connection", "TE",
                        "X-Request-Id", "X-Kept");
    }

    @Test
    void theClientAddressIsThePeerUnlessItIsATrustedProxy() {
        HttpFields fields = HttpFields.build().add("X-Forwarded-For", "203.0.113.9, 198.51.100.7, 10.1.1.1").asImmutable();
        assertThat(screen.clientAddress(CLIENT, fields).getHostAddress()).isEqualTo("192.0.2.50");
        assertThat(screen.clientAddress(PROXY, fields).getHostAddress()).isEqualTo("198.51.100.7");
        assertThat(screen.clientAddress(PROXY, HttpFields.EMPTY).getHostAddress()).isEqualTo("10.0.0.5");
        assertThat(screen.clientAddress(null, fields)).isNull();
    }
}
