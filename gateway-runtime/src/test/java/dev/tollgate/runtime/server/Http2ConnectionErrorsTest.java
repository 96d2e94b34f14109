package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp2;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After the GOAWAY of a connection error, the server's or the client's, the server closes the
 * connection (RFC 9113 §5.4.1), and a connection Jetty stopped reading while it waited for the
 * client's streams to end is closed. Found by {@code Http2FrameFuzzTest}: a header table size above
 * 2^31 in the client's SETTINGS made Jetty fail to encode its response (GOAWAY COMPRESSION_ERROR)
 * and then keep the connection open, answering nothing, until its idle timeout; and the cases
 * below.
 */
class Http2ConnectionErrorsTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                server.https.enabled = false
                routes = [ { path = "/echo/**", endpoint = test-echo } ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void theClientsGoAwayWithAnErrorClosesTheConnection() throws Exception {
        try (RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
            // A request waiting for its body, then the client's GOAWAY for a connection error
            // (INTERNAL_ERROR): Jetty alone would wait for the stream to end.
            http2.headers(1, false, POST_AWAITING_BODY);
            http2.frame(RawHttp2.GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(1).putInt(0x2).array());
            assertThat(http2.awaitClosed(Duration.ofSeconds(5))).as("closed after the client's GOAWAY").isTrue();
        }
        assertTheNextClientIsAnswered();
    }

    /**
     * Found by {@code Http2FrameFuzzTest}: after the client's GOAWAY that is not graceful, a
     * malformed header block stopped Jetty reading the connection, and Jetty — waiting for the
     * client's open stream to end — ignored the error: no GOAWAY, no close, no answer to PING.
     */
    @Test
    void aConnectionThatStoppedReadingAfterTheClientsGoAwayIsClosed() throws Exception {
        try (RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
            http2.headers(1, false, POST_AWAITING_BODY);
            // GOAWAY, NO_ERROR, last stream 1: the client will close once stream 1 is done.
            http2.frame(RawHttp2.GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(1).putInt(RawHttp2.NO_ERROR).array());
            // A header block indexing entry 0 of the table: an HPACK connection error (§4.3).
            http2.frame(RawHttp2.HEADERS, RawHttp2.END_HEADERS | RawHttp2.END_STREAM, 3, new byte[] {(byte) 0x80});
            http2.ping(1);
            assertThat(http2.awaitClosed(Duration.ofSeconds(10))).as("closed once it stopped reading").isTrue();
        }
        assertTheNextClientIsAnswered();
    }

    private static final String[] POST_AWAITING_BODY = {":method", "POST", ":scheme", "http", ":path", "/echo/x", ":authority", "localhost"};

    private static void assertTheNextClientIsAnswered() throws Exception {
        try (RawHttp2 next = RawHttp2.clearText(gateway.gateway().httpPort())) {
            next.headers(1, true, RawHttp2.get("http", "/echo/next"));
            HeadersFrame response = next.await(HeadersFrame.class, headers -> headers.getStreamId() == 1, Duration.ofSeconds(10));
            assertThat(((MetaData.Response) response.getMetaData()).getStatus()).isEqualTo(200);
        }
    }

    @Test
    void aConnectionErrorClosesTheConnectionAfterItsGoAway() throws Exception {
        try (RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
            // SETTINGS_HEADER_TABLE_SIZE (0x1) = 2705039777, a 32-bit unsigned value Jetty reads as negative.
            http2.frame(RawHttp2.SETTINGS, 0, 0, ByteBuffer.allocate(6).putShort((short) 0x1).putInt((int) 2705039777L).array());
            http2.headers(1, true, RawHttp2.get("http", "/echo/x"));
            http2.await(GoAwayFrame.class, goAway -> true, Duration.ofSeconds(10));
            assertThat(http2.awaitClosed(Duration.ofSeconds(5))).as("closed after the GOAWAY").isTrue();
        }
        try (RawHttp2 next = RawHttp2.clearText(gateway.gateway().httpPort())) {
            next.headers(1, true, RawHttp2.get("http", "/echo/next"));
            HeadersFrame response = next.await(HeadersFrame.class, headers -> headers.getStreamId() == 1, Duration.ofSeconds(10));
            assertThat(((MetaData.Response) response.getMetaData()).getStatus()).isEqualTo(200);
        }
    }
}
