package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.RawHttp2;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 9113 conformance of both HTTP/2 listeners (h2c and h2 over TLS), with frames no polite
 * client sends: malformed requests are stream errors of type PROTOCOL_ERROR (§8.1.1, §8.2), DATA
 * on a stream the client closed is a STREAM_CLOSED error (§5.1), and each leaves the connection
 * usable.
 */
class Http2ConformanceTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                routes = [ { path = "/echo/**", endpoint = test-echo } ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static RawHttp2 connect(String protocol) throws Exception {
        return protocol.equals("h2c")
                ? RawHttp2.clearText(gateway.gateway().httpPort())
                : RawHttp2.tls(gateway.gateway().httpsPort(), Clients.trusting(gateway.home()));
    }

    private static String scheme(String protocol) {
        return protocol.equals("h2c") ? "http" : "https";
    }

    /** A POST to /echo/x, which reads the whole body before it answers. */
    private static String[] post(String protocol) {
        String[] fields = RawHttp2.get(scheme(protocol), "/echo/x");
        fields[1] = "POST";
        return fields;
    }

    /** A GET for /echo/x with {@code change} applied to its fields. */
    private static String[] malformed(String protocol, java.util.function.UnaryOperator<List<String>> change) {
        return change.apply(new ArrayList<>(Arrays.asList(RawHttp2.get(scheme(protocol), "/echo/x")))).toArray(String[]::new);
    }

    private static List<String> without(List<String> fields, String name) {
        int index = fields.indexOf(name);
        fields.remove(index);
        fields.remove(index);
        return fields;
    }

    private static List<String> with(List<String> fields, String... more) {
        fields.addAll(Arrays.asList(more));
        return fields;
    }

    static Stream<Arguments> malformedRequests() {
        List<Arguments> cases = new ArrayList<>();
        for (String protocol : List.of("h2c", "h2")) {
            String scheme = scheme(protocol);
            cases.add(Arguments.of(protocol, "upper-case field name", malformed(protocol, f -> with(f, "X-Upper", "a"))));
            cases.add(Arguments.of(protocol, "unknown pseudo-header", malformed(protocol, f -> with(f, ":foo", "bar"))));
            cases.add(Arguments.of(protocol, "response pseudo-header", malformed(protocol, f -> with(f, ":status", "200"))));
            cases.add(Arguments.of(protocol, "connection-specific field", malformed(protocol, f -> with(f, "connection", "keep-alive"))));
            cases.add(Arguments.of(protocol, "te other than trailers", malformed(protocol, f -> with(f, "te", "gzip"))));
            cases.add(Arguments.of(protocol, "empty :path", new String[] {":method", "GET", ":scheme", scheme, ":path", "", ":authority", "localhost"}));
            cases.add(Arguments.of(protocol, "no :method", malformed(protocol, f -> without(f, ":method"))));
            cases.add(Arguments.of(protocol, "no :scheme", malformed(protocol, f -> without(f, ":scheme"))));
            cases.add(Arguments.of(protocol, "no :path", malformed(protocol, f -> without(f, ":path"))));
            cases.add(Arguments.of(protocol, "two :method", malformed(protocol, f -> with(f, ":method", "GET"))));
            cases.add(Arguments.of(protocol, "two :scheme", malformed(protocol, f -> with(f, ":scheme", scheme))));
            cases.add(Arguments.of(protocol, "two :path", malformed(protocol, f -> with(f, ":path", "/echo/y"))));
            // Found by Http2FrameFuzzTest: answered 500, Jetty failing to compare it with :authority.
            cases.add(Arguments.of(protocol, "host that is not a host", malformed(protocol, f -> with(f, "host", "a b"))));
            cases.add(Arguments.of(protocol, "host with a broken IPv6 address", malformed(protocol, f -> with(f, "host", "[::1"))));
            cases.add(Arguments.of(protocol, "pseudo-header after a field",
                    new String[] {":method", "GET", ":scheme", scheme, "x-a", "b", ":path", "/echo/x", ":authority", "localhost"}));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("malformedRequests")
    void aMalformedRequestIsAStreamErrorOfTypeProtocolError(String protocol, String shape, String[] fields) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            http2.headers(1, true, fields);
            Frame end = http2.awaitEnd(1);
            assertThat(end).as(shape).isInstanceOf(ResetFrame.class);
            assertThat(((ResetFrame) end).getError()).as(shape).isEqualTo(RawHttp2.PROTOCOL_ERROR);
            assertStillServes(http2, 3, protocol);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c", "h2"})
    void malformedTrailersAreAStreamErrorOfTypeProtocolError(String protocol) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            http2.headers(1, false, post(protocol));
            http2.data(1, false, "body".getBytes(StandardCharsets.UTF_8));
            http2.headers(1, true, "X-Upper", "a");
            http2.await(ResetFrame.class, reset -> reset.getStreamId() == 1 && reset.getError() == RawHttp2.PROTOCOL_ERROR,
                    Duration.ofSeconds(10));
            assertStillServes(http2, 3, protocol);
        }
    }

    /** Jetty takes a request pseudo-header in trailers for a second request: a connection error, which §5.4.1 allows. */
    @ParameterizedTest
    @ValueSource(strings = {"h2c", "h2"})
    void requestPseudoHeadersInTrailersAreAConnectionErrorOfTypeProtocolError(String protocol) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            http2.headers(1, false, post(protocol));
            http2.data(1, false, "body".getBytes(StandardCharsets.UTF_8));
            http2.headers(1, true, ":path", "/echo/y");
            GoAwayFrame goAway = http2.await(GoAwayFrame.class, frame -> true, Duration.ofSeconds(10));
            assertThat(goAway.getError()).isEqualTo(RawHttp2.PROTOCOL_ERROR);
            assertThat(http2.awaitClosed(Duration.ofSeconds(10))).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c", "h2"})
    void dataAfterTheClientResetItsStreamIsAStreamClosedError(String protocol) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            http2.headers(1, false, post(protocol));
            http2.reset(1, RawHttp2.CANCEL);
            http2.data(1, true, "late".getBytes(StandardCharsets.UTF_8));
            // Jetty may reset the stream (CANCEL) when the request fails; STREAM_CLOSED answers the DATA.
            http2.await(ResetFrame.class, reset -> reset.getStreamId() == 1 && reset.getError() == RawHttp2.STREAM_CLOSED,
                    Duration.ofSeconds(10));
            assertStillServes(http2, 3, protocol);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c", "h2"})
    void dataAfterACompleteExchangeIsAStreamClosedError(String protocol) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            http2.headers(1, true, RawHttp2.get(scheme(protocol), "/echo/x"));
            assertThat(http2.awaitEnd(1)).isInstanceOf(DataFrame.class);
            http2.data(1, true, "late".getBytes(StandardCharsets.UTF_8));
            assertThat(http2.awaitReset(1).getError()).isEqualTo(RawHttp2.STREAM_CLOSED);
            assertStillServes(http2, 3, protocol);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c", "h2"})
    void dataAfterEndStreamIsAStreamClosedErrorWhetherOrNotTheResponseIsDone(String protocol) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            http2.headers(1, true, RawHttp2.get(scheme(protocol), "/echo/x"));
            http2.data(1, true, "late".getBytes(StandardCharsets.UTF_8));
            assertThat(http2.awaitReset(1).getError()).isEqualTo(RawHttp2.STREAM_CLOSED);
            assertStillServes(http2, 3, protocol);
        }
    }

    /**
     * A response may complete before the request (RFC 9113 §8.1): the server then resets the
     * stream, and DATA the client had already sent must be ignored (§5.1), not answered.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2c", "h2"})
    void dataInFlightAfterTheServerResetTheStreamIsIgnored(String protocol) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            http2.headers(1, false, RawHttp2.get(scheme(protocol), "/echo/x"));
            // The echo answers a GET at once and resets the unfinished request.
            http2.awaitReset(1);
            http2.data(1, true, "in flight".getBytes(StandardCharsets.UTF_8));
            // Whatever the gateway had to say about it comes before the end of a later exchange.
            http2.headers(3, true, RawHttp2.get(scheme(protocol), "/echo/after"));
            List<Frame> answers = http2.framesUntil(frame -> frame instanceof DataFrame data && data.getStreamId() == 3 && data.isEndStream());
            assertThat(answers).noneMatch(frame -> frame instanceof ResetFrame || frame instanceof GoAwayFrame);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c", "h2"})
    void aStreamWindowOverflowIsAStreamErrorOfTypeFlowControlError(String protocol) throws Exception {
        try (RawHttp2 http2 = connect(protocol)) {
            // The echo waits for the body: the stream stays open.
            http2.headers(1, false, post(protocol));
            http2.windowUpdate(1, Integer.MAX_VALUE);
            http2.windowUpdate(1, Integer.MAX_VALUE);
            assertThat(http2.awaitReset(1).getError()).isEqualTo(RawHttp2.FLOW_CONTROL_ERROR);
            assertStillServes(http2, 3, protocol);
        }
    }

    private static void assertStillServes(RawHttp2 http2, int streamId, String protocol) throws InterruptedException, IOException {
        http2.headers(streamId, true, RawHttp2.get(scheme(protocol), "/echo/after"));
        HeadersFrame response = http2.await(HeadersFrame.class, headers -> headers.getStreamId() == streamId, Duration.ofSeconds(10));
        assertThat(((MetaData.Response) response.getMetaData()).getStatus()).isEqualTo(200);
    }
}
