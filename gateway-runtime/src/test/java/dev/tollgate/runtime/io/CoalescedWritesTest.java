package dev.tollgate.runtime.io;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clear-text HTTP/2 writes coalesced within a selector's turn, through real sockets: many streams
 * in flight on one connection, answered on the selector's thread, all get their own whole response
 * — with the writes waiting for the end of the turn, and without.
 */
class CoalescedWritesTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void concurrentStreamsOnOneConnectionGetTheirOwnResponses(boolean coalesce) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        // As the gateway runs by default: the selector's thread runs the streams' tasks itself.
        threads.setReservedThreads(0);
        Server server = new Server(threads);
        LoopConnector connector = new LoopConnector(server, 1, new HTTP2CServerConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setCoalesceWrites(coalesce);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String body = "answer to " + Request.getPathInContext(request) + " " + "x".repeat(2000);
                response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        server.start();
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        client.start();
        try {
            String base = "http://127.0.0.1:" + connector.getLocalPort();
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    responses.add(new CompletableResponseListener(client.newRequest(base + "/r" + round + "-" + i)).send());
                }
                for (int i = 0; i < 100; i++) {
                    ContentResponse response = responses.get(i).get(10, TimeUnit.SECONDS);
                    assertThat(response.getStatus()).isEqualTo(200);
                    assertThat(response.getContentAsString()).isEqualTo("answer to /r" + round + "-" + i + " " + "x".repeat(2000));
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
}
