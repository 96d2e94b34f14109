package dev.tollgate.runtime.io;

import dev.tollgate.runtime.testing.TestCertificates;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP writes coalesced within a selector's turn, through real sockets, in clear text and under
 * TLS: many requests in flight (streams on one HTTP/2 connection; HTTP/1.1 connections), answered on
 * the selector's thread, all get their own whole response — small ones, and large ones the kernel
 * does not take in one write — with the writes waiting for the end of the turn, and without.
 */
class CoalescedWritesTest {
    /** Larger than a loopback socket's send buffer at its start: its writes are left incomplete. */
    private static final int LARGE = 768 * 1024;

    @TempDir
    Path directory;

    @ParameterizedTest(name = "{0}, coalesced: {1}")
    @CsvSource({"h2c, true", "h2c, false", "h2, true", "h2, false", "http/1.1, true", "http/1.1, false", "https/1.1, true"})
    void concurrentRequestsGetTheirOwnResponses(String protocol, boolean coalesce) throws Exception {
        boolean tls = protocol.equals("h2") || protocol.equals("https/1.1");
        boolean http2 = protocol.startsWith("h2");
        QueuedThreadPool threads = new QueuedThreadPool();
        // As the gateway runs by default: the selector's thread runs the streams' tasks itself.
        threads.setReservedThreads(0);
        Server server = new Server(threads);
        TestCertificates certificates = TestCertificates.generate(directory);
        LoopConnector connector = switch (protocol) {
            case "h2c" -> new LoopConnector(server, 1, new HTTP2CServerConnectionFactory(new HttpConfiguration()));
            case "h2" -> tlsConnector(server, certificates);
            case "http/1.1" -> new LoopConnector(server, 1, new HttpConnectionFactory());
            default -> new LoopConnector(server, 1, new SslConnectionFactory(serverSsl(certificates), "http/1.1"),
                    new HttpConnectionFactory());
        };
        connector.setHost("127.0.0.1");
        connector.setCoalesceWrites(coalesce);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                response.write(true, ByteBuffer.wrap(body(path).getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        server.start();
        ClientConnector clientConnector = new ClientConnector();
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setTrustStorePath(certificates.authority().toString());
        ssl.setTrustStorePassword(TestCertificates.PASSWORD);
        clientConnector.setSslContextFactory(ssl);
        HttpClient client = http2 ? new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(clientConnector)))
                : new HttpClient(new HttpClientTransportOverHTTP(clientConnector));
        client.start();
        try {
            String base = (tls ? "https" : "http") + "://127.0.0.1:" + connector.getLocalPort();
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String path = (i % 25 == 0 ? "/large/" : "/small/") + round + "-" + i;
                    responses.add(new CompletableResponseListener(client.newRequest(base + path), 2 * LARGE).send());
                }
                for (int i = 0; i < 100; i++) {
                    ContentResponse response = responses.get(i).get(20, TimeUnit.SECONDS);
                    String path = (i % 25 == 0 ? "/large/" : "/small/") + round + "-" + i;
                    assertThat(response.getStatus()).isEqualTo(200);
                    assertThat(response.getContentAsString()).as(path).isEqualTo(body(path));
                }
            }
            assertThat(client.getDestinations()).hasSize(1);
            if (coalesce) {
                assertThat(connector.coalescedFlushes()).as("writes that waited for the end of a turn").isPositive();
            }
            else {
                assertThat(connector.coalescedFlushes()).isZero();
            }
        }
        finally {
            client.stop();
            server.stop();
        }
    }

    private static String body(String path) {
        return "answer to " + path + " " + "x".repeat(path.startsWith("/large/") ? LARGE : 2000);
    }

    private static SslContextFactory.Server serverSsl(TestCertificates certificates) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(certificates.server().toString());
        ssl.setKeyStorePassword(TestCertificates.PASSWORD);
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        return ssl;
    }

    /** An h2 listener as the gateway's: TLS, ALPN offering h2 only. */
    private static LoopConnector tlsConnector(Server server, TestCertificates certificates) {
        SslContextFactory.Server ssl = serverSsl(certificates);
        HttpConfiguration https = new HttpConfiguration();
        https.addCustomizer(new SecureRequestCustomizer(false));
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2");
        alpn.setDefaultProtocol("h2");
        return new LoopConnector(server, 1, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
                new HTTP2ServerConnectionFactory(https));
    }
}
