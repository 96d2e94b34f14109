package dev.tollgate.plugin.backendgrpc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tollgate.runtime.testing.TestGateway;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.testing.integration.TestServiceImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tollgate.plugin.backendgrpc.Gateways.metrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Client- and bidirectional-streaming methods over a WebSocket, with real WebSocket clients
 * ({@code java.net.http}): one JSON text message per request message, the empty message as
 * half-close, {@code {"result": …}} per response message, the status as the last message and in
 * the close code; errors before the call as HTTP answers to the upgrade; a client that stops
 * reading holds the instance back; leaving cancels the call. Against the test service (descriptor
 * set) and the official interop TestService (reflection).
 */
@org.junit.jupiter.api.Timeout(60)
class WebSocketCallTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static ProjectsServer server;
    private static Server interop;
    private static ScheduledExecutorService executor;
    private static TestGateway gateway;
    private static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        server = ProjectsServer.start();
        executor = Executors.newScheduledThreadPool(2);
        interop = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new TestServiceImpl(executor))
                .addService(ProtoReflectionServiceV1.newInstance()).build().start();
        try (ServerSocket free = new ServerSocket(0)) {
            deadPort = free.getLocalPort();
        }
        gateway = Gateways.start("""
                services.projects { backend = grpc, instances = ["%s"], schema.descriptor-sets = ["%s"]
                                    websocket { max-queued-bytes = 256KiB, max-queued-messages = 64 } }
                services.interop { backend = grpc, instances = ["grpc://127.0.0.1:%d"], schema.reflection = true }
                services.dead { backend = grpc, instances = ["grpc://127.0.0.1:%d"], schema.descriptor-sets = ["%s"]
                                retries.attempts = 1 }
                routes = [
                  { path = "/interop/**", service = { name = interop, strip-prefix = "/interop" } }
                  { path = "/dead/**", service = { name = dead, strip-prefix = "/dead" } }
                  { path = "/**", service = projects }
                ]
                """.formatted(server.url(), Gateways.DESCRIPTOR_SET, interop.getPort(), deadPort, Gateways.DESCRIPTOR_SET));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (interop != null) {
            interop.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBidirectionalStreamAnswersEachMessageAndEndsWithItsStatus() throws Exception {
        String before = metrics(gateway);
        try (Client client = Client.open(uri("/v1/rooms/lobby/chat"))) {
            client.send("{\"text\":\"hello\"}");
            assertThat(client.next()).isEqualTo("{\"result\":{\"room\":\"lobby\",\"text\":\"HELLO\",\"seq\":1}}");
            client.send("{\"text\":\"twice\",\"repeat\":2}");
            assertThat(client.next()).isEqualTo("{\"result\":{\"room\":\"lobby\",\"text\":\"TWICE\",\"seq\":2}}");
            assertThat(client.next()).isEqualTo("{\"result\":{\"room\":\"lobby\",\"text\":\"TWICE\",\"seq\":3}}");
            client.send("");
            assertThat(client.next()).isEqualTo("{\"result\":{\"room\":\"lobby\",\"text\":\"bye\",\"seq\":4}}");
            assertThat(client.next()).isEqualTo("{\"status\":{\"grpcStatus\":\"OK\"}}");
            assertThat(client.closeCode()).isEqualTo(1000);
        }
        String after = metrics(gateway);
        String labels = "{method=\"tollgate_test_Projects/Chat\",service=\"projects\"";
        assertThat(value(after, "tollgate_backend_grpc_stream_messages_sent_total" + labels + "}")
                - value(before, "tollgate_backend_grpc_stream_messages_sent_total" + labels + "}")).isEqualTo(2);
        assertThat(value(after, "tollgate_backend_grpc_stream_messages_received_total" + labels + "}")
                - value(before, "tollgate_backend_grpc_stream_messages_received_total" + labels + "}")).isEqualTo(4);
        assertThat(value(after, "tollgate_backend_grpc_calls_total" + labels + ",status=\"OK\"}")
                - value(before, "tollgate_backend_grpc_calls_total" + labels + ",status=\"OK\"}")).isEqualTo(1);
    }

    @Test
    void aClientStreamThroughTheDefaultPathAnswersOnceTheRequestsEnd() throws Exception {
        try (Client client = Client.open(uri("/tollgate.test.Projects/Collect"))) {
            client.send("{\"text\":\"a\"}");
            client.send("{\"text\":\"b\"}");
            client.send("{\"text\":\"c\"}");
            client.send("");
            assertThat(client.next()).isEqualTo("{\"result\":{\"count\":3,\"joined\":\"abc\"}}");
            assertThat(client.next()).isEqualTo("{\"status\":{\"grpcStatus\":\"OK\"}}");
            assertThat(client.closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void aServerStreamingMethodTakesOneMessage() throws Exception {
        try (Client client = Client.open(uri("/v1/events"))) {
            client.send("{\"count\":2}");
            assertThat(client.next()).isEqualTo("{\"result\":{}}");
            assertThat(client.next()).isEqualTo("{\"result\":{\"seq\":1}}");
            assertThat(client.next()).isEqualTo("{\"status\":{\"grpcStatus\":\"OK\"}}");
            assertThat(client.closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void aFailedCallEndsWithTheErrorShapeItsDetailsAndACloseCodeOfItsStatus() throws Exception {
        try (Client client = Client.open(uri("/v1/rooms/lobby/chat"))) {
            client.send("{\"text\":\"fail\"}");
            JsonObject error = JsonParser.parseString(client.next()).getAsJsonObject().getAsJsonObject("error");
            assertThat(error.get("grpcStatus").getAsString()).isEqualTo("ABORTED");
            assertThat(error.get("code").getAsString()).isEqualTo("CONFLICT");
            assertThat(error.get("message").getAsString()).isEqualTo("the chat failed");
            assertThat(error.getAsJsonArray("details").get(0).getAsJsonObject().get("reason").getAsString()).isEqualTo("CHAT_FAILED");
            assertThat(client.closeCode()).isEqualTo(4010);
            assertThat(client.closeReason()).isEqualTo("ABORTED: the chat failed");
        }
    }

    @Test
    void aMalformedMessageFailsTheCallNamingTheFieldAndCancelsItAtTheInstance() throws Exception {
        int cancelledBefore = server.cancelled.get();
        try (Client client = Client.open(uri("/v1/rooms/lobby/chat"))) {
            client.send("{\"text\":\"one\"}");
            assertThat(client.next()).contains("\"ONE\"");
            client.send("{\"seq\":\"many\"}");
            JsonObject error = JsonParser.parseString(client.next()).getAsJsonObject().getAsJsonObject("error");
            assertThat(error.get("grpcStatus").getAsString()).isEqualTo("INVALID_ARGUMENT");
            assertThat(error.get("message").getAsString()).startsWith("request message 2: invalid value for field 'seq'");
            assertThat(client.closeCode()).isEqualTo(4003);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.cancelled.get() > cancelledBefore);
    }

    @Test
    void aMessageAfterTheEndOfTheRequestsIsRefused() throws Exception {
        try (Client client = Client.open(uri("/v1/events"))) {
            client.send("{\"count\":0,\"payloadSize\":1}");
            client.send("{\"count\":1}");
            String last;
            do {
                last = client.next();
            } while (last.startsWith("{\"result\""));
            assertThat(last).contains("\"grpcStatus\":\"INVALID_ARGUMENT\"").contains("takes one request message");
            assertThat(client.closeCode()).isEqualTo(4003);
        }
    }

    @Test
    void binaryMessagesAreRefused() throws Exception {
        try (Client client = Client.open(uri("/tollgate.test.Projects/Collect"))) {
            client.socket.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
            assertThat(client.next()).contains("\"grpcStatus\":\"INVALID_ARGUMENT\"").contains("binary messages are not read");
            assertThat(client.closeCode()).isEqualTo(4003);
        }
    }

    @Test
    void theClientClosingTheSessionCancelsTheCall() throws Exception {
        int cancelledBefore = server.cancelled.get();
        Client client = Client.open(uri("/v1/rooms/lobby/chat"));
        client.send("{\"text\":\"hi\"}");
        assertThat(client.next()).contains("\"HI\"");
        client.socket.sendClose(1000, "bye").join();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.cancelled.get() > cancelledBefore);
        client.close();
    }

    @Test
    void anUnknownPathIsA404AndAnUnreachableInstanceA502BeforeTheUpgrade() {
        assertThat(handshakeStatus(uri("/v1/nothing/here"))).isEqualTo(404);
        // Connection refused by the only instance: the runtime's answer for a failed connection.
        assertThat(handshakeStatus(uri("/dead/v1/rooms/lobby/chat"))).isEqualTo(502);
    }

    @Test
    void aSlowClientHoldsTheInstanceBackAndLeavingCancelsTheCall() throws Exception {
        int before = server.streamMessagesSent.get();
        try (Client client = Client.open(uri("/v1/events"), 0)) {
            // An endless stream of 16 KiB messages that the client does not read.
            client.send("{\"payloadSize\":16384}");
            AtomicInteger last = new AtomicInteger(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                int now = server.streamMessagesSent.get();
                return now == last.getAndSet(now);
            });
            int held = server.streamMessagesSent.get() - before;
            // The session's queue (128 KiB of 256), socket buffers and the HTTP/2 window: a few MB, not the stream.
            assertThat(held).isBetween(1, 1500);
            // Reading again lets it go on.
            client.request(Long.MAX_VALUE);
            for (int i = 0; i < held + 50; i++) {
                assertThat(client.next()).startsWith("{\"result\":{");
            }
            assertThat(server.streamMessagesSent.get() - before).isGreaterThan(held);
            assertThat(server.inFlight.get()).isEqualTo(1);
        }
        // The client went away (the socket aborted): the call is cancelled at the instance.
        await().atMost(Duration.ofSeconds(20)).until(() -> server.inFlight.get() == 0);
    }

    @Test
    void theInteropTestServiceFullDuplexCallThroughReflection() throws Exception {
        try (Client client = Client.open(uri("/interop/grpc.testing.TestService/FullDuplexCall"))) {
            client.send("{\"responseParameters\":[{\"size\":3}]}");
            JsonObject first = JsonParser.parseString(client.next()).getAsJsonObject().getAsJsonObject("result");
            assertThat(Base64.getDecoder().decode(first.getAsJsonObject("payload").get("body").getAsString())).hasSize(3);
            client.send("{\"responseParameters\":[{\"size\":5},{\"size\":7}]}");
            assertThat(sizeOf(client.next())).isEqualTo(5);
            assertThat(sizeOf(client.next())).isEqualTo(7);
            client.send("");
            assertThat(client.next()).isEqualTo("{\"status\":{\"grpcStatus\":\"OK\"}}");
            assertThat(client.closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void theInteropTestServiceStreamingInputCall() throws Exception {
        try (Client client = Client.open(uri("/interop/grpc.testing.TestService/StreamingInputCall"))) {
            client.send("{\"payload\":{\"body\":\"" + Base64.getEncoder().encodeToString(new byte[10]) + "\"}}");
            client.send("{\"payload\":{\"body\":\"" + Base64.getEncoder().encodeToString(new byte[32]) + "\"}}");
            client.send("");
            assertThat(client.next()).isEqualTo("{\"result\":{\"aggregatedPayloadSize\":42}}");
            assertThat(client.next()).isEqualTo("{\"status\":{\"grpcStatus\":\"OK\"}}");
        }
    }

    /** A sample's value in a Prometheus text exposition, 0 when absent. */
    private static double value(String exposition, String sample) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    private static int sizeOf(String message) {
        JsonObject result = JsonParser.parseString(message).getAsJsonObject().getAsJsonObject("result");
        return Base64.getDecoder().decode(result.getAsJsonObject("payload").get("body").getAsString()).length;
    }

    private static URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + gateway.gateway().httpPort() + path);
    }

    private static int handshakeStatus(URI uri) {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(
                () -> CLIENT.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
                }).join());
        assertThat(failure).isInstanceOf(CompletionException.class).hasCauseInstanceOf(WebSocketHandshakeException.class);
        return ((WebSocketHandshakeException) failure.getCause()).getResponse().statusCode();
    }

    /** A WebSocket client that keeps what it receives, reading as much as it is told to. */
    private static final class Client implements WebSocket.Listener, AutoCloseable {
        private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile String reason;
        private WebSocket socket;

        static Client open(URI uri) {
            return open(uri, Long.MAX_VALUE);
        }

        /** A client that reads {@code initialDemand} messages until asked for more. */
        static Client open(URI uri, long initialDemand) {
            Client client = new Client();
            client.socket = CLIENT.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
                @Override
                public void onOpen(WebSocket webSocket) {
                    if (initialDemand > 0) {
                        webSocket.request(initialDemand);
                    }
                }

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    client.partial.append(data);
                    if (last) {
                        client.messages.add(client.partial.toString());
                        client.partial.setLength(0);
                    }
                    if (initialDemand == Long.MAX_VALUE) {
                        webSocket.request(1);
                    }
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String why) {
                    client.reason = why;
                    client.closed.complete(statusCode);
                    return null;
                }

                @Override
                public void onError(WebSocket webSocket, Throwable error) {
                    client.closed.completeExceptionally(error);
                }
            }).join();
            return client;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        void request(long count) {
            socket.request(count);
        }

        String next() throws InterruptedException {
            String message = messages.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("a message within 10 s").isNotNull();
            return message;
        }

        int closeCode() throws Exception {
            return closed.get(10, TimeUnit.SECONDS);
        }

        String closeReason() throws Exception {
            closeCode();
            return reason;
        }

        @Override
        public void close() {
            socket.abort();
        }
    }
}
