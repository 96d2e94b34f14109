package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** HTTP/2 limits on the h2c listener, seen by a frame-level client. */
class Http2ProtectionTest {
    @Test
    void advertisesTheStreamLimitAndClosesARapidResetFlood() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                server.limits.http2.max-resets-per-second = 50
                routes = [ { path = "/gate", endpoint = { name = test-gate, gate = never-opened } } ]
                """)) {
            HTTP2Client client = new HTTP2Client();
            client.start();
            try {
                CompletableFuture<Map<Integer, Integer>> settings = new CompletableFuture<>();
                AtomicBoolean closed = new AtomicBoolean();
                Session session = client.connect(new InetSocketAddress("127.0.0.1", gateway.gateway().httpPort()), new Session.Listener() {
                    @Override
                    public void onSettings(Session session, SettingsFrame frame) {
                        settings.complete(frame.getSettings());
                    }

                    @Override
                    public void onClose(Session session, GoAwayFrame frame, Callback callback) {
                        closed.set(true);
                        callback.succeeded();
                    }
                }).get(5, TimeUnit.SECONDS);
                assertThat(settings.get(5, TimeUnit.SECONDS)).containsEntry(SettingsFrame.MAX_CONCURRENT_STREAMS, 128);

                MetaData.Request request = new MetaData.Request("GET",
                        HttpURI.from("http://127.0.0.1:" + gateway.gateway().httpPort() + "/gate"), HttpVersion.HTTP_2, HttpFields.EMPTY);
                // Open and immediately cancel streams, far above 50 per second (CVE-2023-44487).
                for (int i = 0; i < 1000 && !closed.get(); i++) {
                    try {
                        Stream stream = session.newStream(new HeadersFrame(request, null, true), new Stream.Listener() {
                        }).get(5, TimeUnit.SECONDS);
                        stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
                    }
                    catch (Exception e) {
                        break;
                    }
                }
                await().atMost(Duration.ofSeconds(10)).untilTrue(closed);
            }
            finally {
                client.stop();
            }
        }
    }
}
