package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.upstream.Attempt;
import org.eclipse.jetty.client.RetryableRequestException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** The header rules, path rewrites and failure classification on their own. */
class RulesTest {

    @Test
    void findsWellKnownHeadersIgnoringCase() {
        assertThat(HeaderRules.lookup("x-forwarded-for")).isEqualTo(HttpHeader.X_FORWARDED_FOR);
        assertThat(HeaderRules.lookup("CONNECTION")).isEqualTo(HttpHeader.CONNECTION);
        assertThat(HeaderRules.lookup("X-Custom")).isNull();
    }

    @Test
    void listsTheFieldsEveryConnectionFieldNamesBeyondTheHopByHopOnes() {
        assertThat(HeaderRules.connectionOptions(HttpFields.EMPTY)).isNull();
        assertThat(HeaderRules.connectionOptions(HttpFields.build().add("Connection", "keep-alive"))).isNull();
        assertThat(HeaderRules.connectionOptions(HttpFields.build().add("Connection", "close, Upgrade, TE"))).isNull();
        assertThat(HeaderRules.connectionOptions(HttpFields.build().add("Connection", "keep-alive, X-Secret ,x-other,")
                .add("X-Secret", "hidden").add("Connection", "X-Third"))).containsExactly("X-Secret", "x-other", "X-Third");
        assertThat(HeaderRules.connectionOptions(HttpFields.build().add("Connection", "  Keep-Alive , CLOSE,\tX-Tab\t, keep-alives")))
                .containsExactly("X-Tab", "keep-alives");
        assertThat(HeaderRules.isConnectionOption(new String[] {"x-secret"}, "X-Secret")).isTrue();
        assertThat(HeaderRules.isConnectionOption(null, "X-Secret")).isFalse();
    }

    @Test
    void findsTokensInLists() {
        assertThat(HeaderRules.containsToken("trailers", "trailers")).isTrue();
        assertThat(HeaderRules.containsToken("deflate, Trailers;q=1", "trailers")).isTrue();
        assertThat(HeaderRules.containsToken("deflate, trailersx", "trailers")).isFalse();
    }

    @Test
    void writesForwardedElements() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 5000);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 5000);
        assertThat(HeaderRules.clientAddress(v4)).isEqualTo("192.0.2.7");
        assertThat(HeaderRules.forwardedElement(v4, "api.example.com", "https")).isEqualTo("for=192.0.2.7;host=api.example.com;proto=https");
        assertThat(HeaderRules.forwardedElement(v6, "api.example.com:8443", "http"))
                .isEqualTo("for=\"[2001:db8:0:0:0:0:0:1]\";host=\"api.example.com:8443\";proto=http");
        assertThat(HeaderRules.quoteIfNeeded("a\"b")).isEqualTo("\"a\\\"b\"");
        assertThat(HeaderRules.quoteIfNeeded("caf\u00e9")).isEqualTo("\"caf\u00e9\"");
        assertThat(HeaderRules.quoteIfNeeded("A~z|0")).isEqualTo("A~z|0");
        assertThat(HeaderRules.viaProtocol("HTTP/1.1")).isEqualTo("1.1");
        assertThat(HeaderRules.viaProtocol("HTTP/2.0")).isEqualTo("2");
    }

    @Test
    void stripsWholeSegmentsOnly() {
        PathRewrite.StripPrefix strip = new PathRewrite.StripPrefix("/api");
        assertThat(strip.apply("/api/users", null)).isEqualTo("/users");
        assertThat(strip.apply("/api", null)).isEqualTo("/");
        assertThat(strip.apply("/apix/users", null)).isEqualTo("/apix/users");
        assertThat(strip.apply("/other", null)).isEqualTo("/other");
    }

    @Test
    void rewritesTheFirstMatchAndKeepsThePathAbsolute() {
        PathRewrite.Regex regex = new PathRewrite.Regex(java.util.regex.Pattern.compile("^/v1/(.*)$"), "$1");
        assertThat(regex.apply("/v1/orders/9", null)).isEqualTo("/orders/9");
        assertThat(regex.apply("/v2/orders/9", null)).isEqualTo("/v2/orders/9");
    }

    @Test
    void encodesPathParametersAsSegments() {
        StringBuilder out = new StringBuilder();
        PathRewrite.Template.encodeSegment("a b/c;d%é😀~", false, out);
        assertThat(out).hasToString("a%20b%2Fc%3Bd%25%C3%A9%F0%9F%98%80~");
        StringBuilder rest = new StringBuilder();
        PathRewrite.Template.encodeSegment("dir/file name.txt", true, rest);
        assertThat(rest).hasToString("dir/file%20name.txt");
    }

    @Test
    void classifiesFailures() {
        assertThat(Failures.classify(new ConnectException("Connection refused"))).isEqualTo(Attempt.Failure.CONNECT);
        assertThat(Failures.classify(new SocketTimeoutException("Connect Timeout"))).isEqualTo(Attempt.Failure.CONNECT);
        assertThat(Failures.classify(new IOException("wrapped", new SSLHandshakeException("bad certificate")))).isEqualTo(Attempt.Failure.CONNECT);
        assertThat(Failures.classify(new IOException("refused_stream_error"))).isEqualTo(Attempt.Failure.REFUSED);
        assertThat(Failures.classify(new RetryableRequestException("not processed"))).isEqualTo(Attempt.Failure.REFUSED);
        assertThat(Failures.classify(new TimeoutException("Idle timeout 100 ms"))).isEqualTo(Attempt.Failure.TIMEOUT);
        assertThat(Failures.classify(new RejectedExecutionException("Max requests queued"))).isEqualTo(Attempt.Failure.CANCELLED);
        assertThat(Failures.classify(new EOFException())).isEqualTo(Attempt.Failure.RESET);
        assertThat(Failures.classify(new ClosedChannelException())).isEqualTo(Attempt.Failure.RESET);
        // The error a failure is answered with is the runtime's retry loop's (RetryLoopTest).
    }

    @Test
    void principalValuesArePercentEncodedWhereAHeaderCouldNotCarryThemAndClaimsTakeEveryJsonShape() {
        assertThat(PrincipalHeaders.encode("ann", false)).isEqualTo("ann");
        assertThat(PrincipalHeaders.encode("a b,c", false)).isEqualTo("a b,c");
        assertThat(PrincipalHeaders.encode("a,b", true)).isEqualTo("a%2Cb");
        assertThat(PrincipalHeaders.encode("x\r\nInjected: 1", false)).isEqualTo("x%0D%0AInjected: 1");
        assertThat(PrincipalHeaders.encode("Zoë 5% 😀", false)).isEqualTo("Zo%C3%AB 5%25 %F0%9F%98%80");
        assertThat(PrincipalHeaders.claimValue(1.7E9)).isEqualTo("1700000000");
        assertThat(PrincipalHeaders.claimValue(2.5)).isEqualTo("2.5");
        assertThat(PrincipalHeaders.claimValue(1_700_000_000L)).isEqualTo("1700000000");
        assertThat(PrincipalHeaders.claimValue(true)).isEqualTo("true");
        assertThat(PrincipalHeaders.claimValue(java.util.List.of("b", 2, "c,d"))).isEqualTo("b,2,c%2Cd");
        assertThat(PrincipalHeaders.claimValue(java.util.List.of())).isNull();
        assertThat(PrincipalHeaders.claimValue(java.util.List.of(java.util.Map.of("a", 1)))).isNull();
        assertThat(PrincipalHeaders.claimValue(java.util.Map.of("a", 1))).isNull();
        assertThat(PrincipalHeaders.claimValue(null)).isNull();
    }
}
