package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.RawHttp2;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What a client connection may hold, over raw sockets: the cap, TLS handshakes, idle HTTP/2 connections. */
class ConnectionLimitsTest {
    private static final String GET = "GET /echo/x HTTP/1.1\r\nHost: localhost\r\n\r\n";

    @Test
    void atTheConnectionCapTheGatewayStopsAcceptingUntilAConnectionCloses() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                server.limits.max-connections = 2
                routes = [ { path = "/echo/**", endpoint = test-echo } ]
                """)) {
            int port = gateway.gateway().httpPort();
            try (RawHttp first = new RawHttp(port); RawHttp second = new RawHttp(port)) {
                assertThat(first.send(GET).read().status()).isEqualTo(200);
                assertThat(second.send(GET).read().status()).isEqualTo(200);
                try (RawHttp third = new RawHttp(port)) {
                    // Connected by the kernel, in the accept queue; not accepted, so not answered.
                    third.send(GET).setTimeout(1000);
                    assertThatThrownBy(third::read).isInstanceOf(SocketTimeoutException.class);
                    first.close();
                    third.setTimeout(10_000);
                    assertThat(third.read().status()).isEqualTo(200);
                }
                // The gateway kept serving the connections it had.
                assertThat(second.send(GET).read().status()).isEqualTo(200);
            }
        }
    }

    @Test
    void aTlsHandshakeTrickledByteByByteIsCutOffAtTheHandshakeTimeout() throws Exception {
        try (TestGateway gateway = TestGateway.start("server.limits.tls-handshake-timeout = 1s");
             Socket socket = new Socket("127.0.0.1", gateway.gateway().httpsPort())) {
            socket.setSoTimeout(200);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // The start of a ClientHello, a byte at a time: Jetty's idle timeout (60 s) never fires.
            byte[] hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
            AtomicLong sent = new AtomicLong();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                try {
                    out.write(hello[(int) (sent.getAndIncrement() % hello.length)]);
                    out.flush();
                    return in.read() == -1;
                }
                catch (SocketTimeoutException e) {
                    return false;
                }
                catch (IOException e) {
                    return true;
                }
            });
        }
    }

    @Test
    void anHttp2ConnectionWithoutStreamsIsClosedAtItsIdleTimeoutWhateverItPings() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                server.limits.http2.idle-timeout = 1s
                routes = [ { path = "/echo/**", endpoint = test-echo } ]
                """);
             RawHttp2 busy = RawHttp2.clearText(gateway.gateway().httpPort());
             RawHttp2 idle = RawHttp2.clearText(gateway.gateway().httpPort())) {
            // A request whose body never comes: the stream stays open.
            String[] post = RawHttp2.get("http", "/echo/x");
            post[1] = "POST";
            busy.headers(1, false, post);
            AtomicLong pings = new AtomicLong();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                // A PING every 200 ms keeps Jetty's idle timeout (60 s) from firing.
                try {
                    idle.ping(pings.incrementAndGet());
                }
                catch (IOException e) {
                    return true;
                }
                return idle.awaitClosed(Duration.ofMillis(200));
            });
            // The connection with an open stream, as old, stays.
            assertThat(busy.framesUntilPingAck(99)).noneMatch(frame -> frame instanceof GoAwayFrame);
        }
    }

    @Test
    void theIdleTimeoutClosesWithGoAwayNoError() throws Exception {
        try (TestGateway gateway = TestGateway.start("server.limits.http2.idle-timeout = 1s");
             RawHttp2 idle = RawHttp2.clearText(gateway.gateway().httpPort())) {
            GoAwayFrame goAway = idle.await(GoAwayFrame.class, frame -> true, Duration.ofSeconds(10));
            assertThat(goAway.getError()).isEqualTo(RawHttp2.NO_ERROR);
            assertThat(idle.awaitClosed(Duration.ofSeconds(10))).isTrue();
        }
    }
}
