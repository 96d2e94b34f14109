package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp2;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway is no forward proxy: a CONNECT request (other than the extended CONNECT of
 * WebSocket over HTTP/2) is refused with 405 before any filter. Found by
 * {@code Http2FrameFuzzTest}: over HTTP/2, reading the body of one spun a server thread forever,
 * and the gateway stopped answering every client.
 */
class ConnectRequestsTest {
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

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aConnectRequestIsRefusedAndTheGatewayStaysResponsive(boolean endStream) throws Exception {
        try (RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
            http2.headers(1, endStream, ":method", "CONNECT", ":scheme", "http", ":path", "/echo/x", ":authority", "localhost");
            HeadersFrame response = http2.await(HeadersFrame.class, headers -> headers.getStreamId() == 1, Duration.ofSeconds(10));
            assertThat(((MetaData.Response) response.getMetaData()).getStatus()).isEqualTo(405);
        }
        try (RawHttp2 next = RawHttp2.clearText(gateway.gateway().httpPort())) {
            next.headers(1, true, RawHttp2.get("http", "/echo/next"));
            HeadersFrame response = next.await(HeadersFrame.class, headers -> headers.getStreamId() == 1, Duration.ofSeconds(10));
            assertThat(((MetaData.Response) response.getMetaData()).getStatus()).isEqualTo(200);
        }
    }
}
