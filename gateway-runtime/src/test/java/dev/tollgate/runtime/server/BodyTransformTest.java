package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Filters that replace or buffer a body with the SPI's {@code Bodies} helpers: the runtime keeps
 * {@code Content-Length} right — dropped for a streamed replacement of unknown length (HTTP/1.1
 * frames it chunked), set for one of known length and for a buffered one — over HTTP/1.1 and h2c.
 */
class BodyTransformTest {
    private static TestGateway gateway;
    private static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                routes = [
                  { path = "/streamed", endpoint = test-echo, filters = [ { type = test-body, mode = upper-streamed } ] }
                  { path = "/sized", endpoint = test-echo, filters = [ { type = test-body, mode = upper-sized } ] }
                  { path = "/buffered", endpoint = test-echo, filters = [ { type = test-body, mode = buffer-append, suffix = "<end>" } ] }
                  { path = "/buffered-stream", endpoint = test-stream, filters = [ { type = test-body, mode = buffer-append, suffix = "!" } ] }
                  { path = "/request", endpoint = test-stream, filters = [ { type = test-body, mode = request-upper } ] }
                  { path = "/small", endpoint = test-stream, max-buffered-body-size = 8,
                    filters = [ { type = test-body, mode = buffer-append, suffix = "!" } ] }
                ]
                """);
        http2 = Clients.http2(gateway.home());
    }

    @AfterAll
    static void stop() throws Exception {
        http2.stop();
        gateway.close();
    }

    @Test
    void aStreamedReplacementOfUnknownLengthIsChunkedOverHttp1AndHasNoStaleLength() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.gateway().httpPort())) {
            raw.send("GET /streamed HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers()).doesNotContainKey("content-length").containsEntry("transfer-encoding", "chunked");
            assertThat(response.body()).contains("\"PATH\":\"/STREAMED\"");
            // The connection stays usable: the framing was right.
            raw.send("GET /sized HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response sized = raw.read();
            assertThat(sized.headers()).containsEntry("content-length", Integer.toString(sized.body().length()));
            assertThat(sized.body()).isEqualTo(sized.body().toUpperCase(Locale.ROOT));
        }
    }

    @Test
    void overHttp2TheLengthFollowsTheBody() throws Exception {
        ContentResponse streamed = http2.GET(gateway.http("/streamed"));
        assertThat(streamed.getVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(streamed.getHeaders().contains(HttpHeader.CONTENT_LENGTH)).isFalse();
        assertThat(streamed.getContentAsString()).contains("\"PATH\":\"/STREAMED\"");

        ContentResponse buffered = http2.GET(gateway.http("/buffered"));
        assertThat(buffered.getContentAsString()).endsWith("}<end>");
        assertThat(buffered.getHeaders().get(HttpHeader.CONTENT_LENGTH)).isEqualTo(Integer.toString(buffered.getContent().length));
    }

    @Test
    void aBufferedResponseOfAStreamedBodyGetsItsLength() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.gateway().httpPort())) {
            raw.send("POST /buffered-stream HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello world!");
            assertThat(response.headers()).containsEntry("content-length", "12");
        }
    }

    @Test
    void aReplacedRequestBodyReachesTheEndpoint() throws Exception {
        ContentResponse response = http2.POST(gateway.http("/request"))
                .body(new StringRequestContent("text/plain", "quiet words")).send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("QUIET WORDS");
    }

    @Test
    void aResponseTooLargeToBufferIsABadGateway() throws Exception {
        ContentResponse response = http2.POST(gateway.http("/small"))
                .body(new StringRequestContent("text/plain", "more than eight bytes")).send();
        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString()).contains("\"code\":\"BAD_GATEWAY\"").contains("8 bytes");
    }
}
