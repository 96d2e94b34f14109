package dev.tollgate.plugin.backendgrpc;

import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import dev.tollgate.plugin.backendgrpc.test.EchoRequest;
import dev.tollgate.plugin.backendgrpc.test.EchoResponse;
import dev.tollgate.plugin.backendgrpc.test.Event;
import dev.tollgate.plugin.backendgrpc.test.FailRequest;
import dev.tollgate.plugin.backendgrpc.test.GetProjectRequest;
import dev.tollgate.plugin.backendgrpc.test.Project;
import dev.tollgate.plugin.backendgrpc.test.SlowRequest;
import dev.tollgate.plugin.backendgrpc.test.WatchRequest;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * gRPC-Web through the gateway, spoken by a small client of its own ({@link #call}): framed
 * requests in the binary and the base64 ({@code -text}) forms, answers parsed frame by frame with
 * the status from the trailer frame — unary calls, statuses with percent-encoded messages and
 * details, server streams (with end-to-end flow control), metadata both ways by the allowlists,
 * deadlines from {@code grpc-timeout}, unknown methods, unreadable requests, and no instance.
 */
class GrpcWebTest {
    private static final String BINARY = "application/grpc-web+proto";
    private static final String TEXT = "application/grpc-web-text";
    private static ProjectsServer server;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        server = ProjectsServer.start();
        gateway = Gateways.start("""
                server.limits.min-response-data-rate = 0
                services.projects {
                  backend = grpc, instances = ["%s"], schema.descriptor-sets = ["%s"]
                  metadata { request-headers = [x-tenant], response-headers = [x-served-by, x-cost] }
                }
                services.nowhere { backend = grpc, instances = ["grpc://127.0.0.1:1"], schema.descriptor-sets = ["%s"] }
                routes = [
                  { path = "/web/**", service = { name = projects, strip-prefix = "/web" } }
                  { path = "/nowhere/**", service = { name = nowhere, strip-prefix = "/nowhere" } }
                ]
                """.formatted(server.url(), Gateways.DESCRIPTOR_SET, Gateways.DESCRIPTOR_SET));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void unaryCallInTheBinaryForm() throws Exception {
        WebResponse response = call("/web/tollgate.test.Projects/GetProject", GetProjectRequest.newBuilder().setId("p1").build(), BINARY);
        assertThat(response.httpStatus()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo(BINARY);
        assertThat(response.messages()).hasSize(1);
        assertThat(Project.parseFrom(response.messages().get(0)).getDisplayName()).isEqualTo("Project p1");
        assertThat(response.trailers()).containsEntry("grpc-status", "0").doesNotContainKey("grpc-message");
    }

    @Test
    void unaryCallInTheTextFormSentAsSeveralBase64Chunks() throws Exception {
        WebResponse response = call("/web/tollgate.test.Projects/GetProject", GetProjectRequest.newBuilder().setId("p2").build(), TEXT);
        assertThat(response.httpStatus()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo(TEXT);
        assertThat(Project.parseFrom(response.messages().get(0)).getDisplayName()).isEqualTo("Project p2");
        assertThat(response.trailers()).containsEntry("grpc-status", "0");
    }

    @Test
    void anErrorStatusInTheTrailerFrameWithItsMessagePercentEncoded() throws Exception {
        for (String type : List.of(BINARY, TEXT)) {
            WebResponse response = call("/web/tollgate.test.Projects/Fail",
                    FailRequest.newBuilder().setCode(5).setMessage("no project «p9» (100% sure)\nreally").build(), type);
            assertThat(response.httpStatus()).isEqualTo(200);
            assertThat(response.messages()).isEmpty();
            assertThat(response.trailers()).containsEntry("grpc-status", "5");
            String raw = response.trailers().get("grpc-message");
            assertThat(raw).isEqualTo("no project %C2%ABp9%C2%BB (100%25 sure)%0Areally");
            assertThat(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8)).isEqualTo("no project «p9» (100% sure)\nreally");
        }
    }

    @Test
    void statusDetailsTravelInTheTrailerFrame() throws Exception {
        WebResponse response = call("/web/tollgate.test.Projects/Fail",
                FailRequest.newBuilder().setCode(3).setMessage("bad name").setWithDetails(true).build(), BINARY);
        assertThat(response.trailers()).containsEntry("grpc-status", "3").containsEntry("grpc-message", "bad name");
        com.google.rpc.Status details = com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(response.trailers().get("grpc-status-details-bin")));
        assertThat(details.getDetails(0).unpack(BadRequest.class).getFieldViolations(0).getField()).isEqualTo("display_name");
    }

    @Test
    void serverStreamingSendsEachMessageThenTheTrailers() throws Exception {
        for (String type : List.of(BINARY, TEXT)) {
            WebResponse response = call("/web/tollgate.test.Projects/Watch", WatchRequest.newBuilder().setCount(3).build(), type);
            assertThat(response.httpStatus()).isEqualTo(200);
            assertThat(response.messages()).hasSize(3);
            assertThat(Event.parseFrom(response.messages().get(2)).getSeq()).isEqualTo(2);
            assertThat(response.trailers()).containsEntry("grpc-status", "0");
        }
    }

    @Test
    void aFailedStreamEndsWithItsStatusAfterTheMessages() throws Exception {
        WebResponse response = call("/web/tollgate.test.Projects/Watch", WatchRequest.newBuilder().setFailAfter(2).build(), TEXT);
        assertThat(response.messages()).hasSize(2);
        assertThat(response.trailers()).containsEntry("grpc-status", "9").containsEntry("grpc-message", "failed after 2 events");
    }

    @Test
    void metadataCrossesByTheAllowlistsBothWays() throws Exception {
        EchoRequest request = EchoRequest.newBuilder().setText("hi")
                .putResponseMetadata("x-served-by", "instance-1").putResponseMetadata("x-hidden", "no")
                .putResponseTrailers("x-cost", "42").putResponseTrailers("x-secret", "no").build();
        WebResponse response = call("/web/tollgate.test.Projects/Echo", request, BINARY, "x-tenant", "acme", "x-other", "no");
        EchoResponse echo = EchoResponse.parseFrom(response.messages().get(0));
        assertThat(echo.getMetadataMap()).containsEntry("x-tenant", "acme").doesNotContainKey("x-other").containsKey("x-request-id");
        assertThat(response.headers().firstValue("x-served-by")).hasValue("instance-1");
        assertThat(response.headers().firstValue("x-hidden")).isEmpty();
        assertThat(response.trailers()).containsEntry("grpc-status", "0").containsEntry("x-cost", "42").doesNotContainKey("x-secret");
    }

    @Test
    void theClientsGrpcTimeoutIsTheDeadline() throws Exception {
        EchoResponse echo = EchoResponse.parseFrom(call("/web/tollgate.test.Projects/Echo", EchoRequest.newBuilder().setText("t").build(), BINARY,
                "grpc-timeout", "2S").messages().get(0));
        assertThat(echo.getDeadlineMillis()).isBetween(1L, 2000L);

        WebResponse slow = call("/web/tollgate.test.Projects/Slow", SlowRequest.newBuilder().setMillis(3000).build(), TEXT, "grpc-timeout", "200m");
        assertThat(slow.httpStatus()).isEqualTo(200);
        assertThat(slow.trailers()).containsEntry("grpc-status", "4");
    }

    @Test
    void anUnknownMethodIsUnimplemented() throws Exception {
        for (String path : List.of("/web/tollgate.test.Projects/Nope", "/web/tollgate.test.Nothing/Get", "/web/not-a-method")) {
            WebResponse response = call(path, GetProjectRequest.newBuilder().setId("x").build(), BINARY);
            assertThat(response.httpStatus()).as(path).isEqualTo(200);
            assertThat(response.contentType()).isEqualTo(BINARY);
            assertThat(response.trailers()).as(path).containsEntry("grpc-status", "12");
        }
    }

    @Test
    void anUnreadableRequestIsInternalAsGrpcSaysForARequestThatCannotBeParsed() throws Exception {
        byte[] notAMessage = frame(0, new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff});
        byte[] truncated = {0, 0, 0, 0, 9, 1, 2};
        byte[] twoMessages = concat(frame(0, new byte[0]), frame(0, new byte[0]));
        for (byte[] body : List.of(notAMessage, truncated, twoMessages)) {
            WebResponse response = send("/web/tollgate.test.Projects/GetProject", body, BINARY);
            assertThat(response.httpStatus()).isEqualTo(200);
            assertThat(response.trailers()).containsEntry("grpc-status", "13");
        }
        WebResponse badBase64 = send("/web/tollgate.test.Projects/GetProject", "AAAA*AAA".getBytes(StandardCharsets.US_ASCII), TEXT);
        assertThat(badBase64.trailers()).containsEntry("grpc-status", "13");
        WebResponse compressed = send("/web/tollgate.test.Projects/GetProject", frame(1, new byte[0]), BINARY);
        assertThat(compressed.trailers()).containsEntry("grpc-status", "12");
    }

    @Test
    void noInstanceIsUnavailableInTheTrailers() throws Exception {
        WebResponse response = call("/nowhere/tollgate.test.Projects/GetProject", GetProjectRequest.newBuilder().setId("x").build(), TEXT);
        assertThat(response.httpStatus()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo(TEXT);
        assertThat(response.trailers()).containsEntry("grpc-status", "14");
    }

    @Test
    void aSlowReaderHoldsTheStreamBackAndLeavingCancelsTheCall() throws Exception {
        int before = server.streamMessagesSent.get();
        byte[] body = frame(0, WatchRequest.newBuilder().setPayloadSize(16384).build().toByteArray());
        try (Socket socket = new Socket("127.0.0.1", gateway.gateway().httpPort())) {
            socket.getOutputStream().write(("POST /web/tollgate.test.Projects/Watch HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + BINARY
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            InputStream in = socket.getInputStream();
            readAtLeast(in, 10 * 16384);
            AtomicInteger last = new AtomicInteger(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                int now = server.streamMessagesSent.get();
                return now == last.getAndSet(now);
            });
            int held = server.streamMessagesSent.get() - before;
            assertThat(held).isLessThan(1500);
            readAtLeast(in, (long) (held + 50) * 16384);
            assertThat(server.streamMessagesSent.get() - before).isGreaterThan(held);
            assertThat(server.inFlight.get()).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.inFlight.get() == 0);
    }

    // --- a gRPC-Web client

    record WebResponse(int httpStatus, String contentType, java.net.http.HttpHeaders headers, List<byte[]> messages, Map<String, String> trailers) {
    }

    /** A gRPC-Web call of one request message; in the text form the frame goes as two padded base64 chunks. */
    static WebResponse call(String path, Message request, String contentType, String... headers) throws Exception {
        byte[] frame = frame(0, request.toByteArray());
        byte[] body = frame;
        if (contentType.startsWith("application/grpc-web-text")) {
            Base64.Encoder base64 = Base64.getEncoder();
            body = concat(base64.encode(java.util.Arrays.copyOfRange(frame, 0, 5)), base64.encode(java.util.Arrays.copyOfRange(frame, 5, frame.length)));
        }
        return send(path, body, contentType, headers);
    }

    static WebResponse send(String path, byte[] body, String contentType, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", contentType).header("Accept", contentType).header("X-Grpc-Web", "1");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<byte[]> response = Gateways.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        String type = response.headers().firstValue("Content-Type").orElse("");
        byte[] bytes = response.body();
        if (type.startsWith("application/grpc-web-text")) {
            bytes = decodeBase64Chunks(new String(bytes, StandardCharsets.US_ASCII));
        }
        List<byte[]> messages = new ArrayList<>();
        Map<String, String> trailers = new LinkedHashMap<>();
        ByteBuffer frames = ByteBuffer.wrap(bytes);
        boolean trailerFrame = false;
        while (frames.hasRemaining()) {
            assertThat(trailerFrame).as("nothing after the trailer frame").isFalse();
            int flags = frames.get() & 0xff;
            byte[] payload = new byte[frames.getInt()];
            frames.get(payload);
            if ((flags & 0x80) != 0) {
                trailerFrame = true;
                for (String line : new String(payload, StandardCharsets.US_ASCII).split("\r\n")) {
                    int colon = line.indexOf(':');
                    trailers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
            else {
                assertThat(flags).isZero();
                messages.add(payload);
            }
        }
        assertThat(trailerFrame).as("a trailer frame ends the answer").isTrue();
        return new WebResponse(response.statusCode(), type, response.headers(), messages, trailers);
    }

    static byte[] frame(int flags, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) flags).putInt(payload.length).put(payload).array();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        return ByteBuffer.allocate(first.length + second.length).put(first).put(second).array();
    }

    /** Padded base64 chunks one after another, each frame of the answer being one. */
    private static byte[] decodeBase64Chunks(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i + 4 <= text.length(); i += 4) {
            out.writeBytes(Base64.getDecoder().decode(text.substring(i, i + 4)));
        }
        assertThat(text.length() % 4).isZero();
        return out.toByteArray();
    }

    private static void readAtLeast(InputStream in, long bytes) throws java.io.IOException {
        byte[] buffer = new byte[65536];
        long total = 0;
        while (total < bytes) {
            int read = in.read(buffer);
            assertThat(read).as("the stream goes on").isPositive();
            total += read;
        }
    }
}
