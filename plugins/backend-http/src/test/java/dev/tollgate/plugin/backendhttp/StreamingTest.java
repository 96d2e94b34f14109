package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies streaming both ways through the gateway to real Jetty backends, HTTP/1.1 and h2c:
 * 1 GiB up and down with a checksum while the test JVM has a 256 MiB heap (buffering either body
 * would fail), Content-Length and chunked framing, trailers both ways, and Expect: 100-continue
 * answered by the backend, not the gateway.
 */
class StreamingTest {
    private static final long GIBIBYTE = 1024L * 1024 * 1024;
    private static final long SIXTEEN_MEBIBYTES = 16L * 1024 * 1024;

    private static final TestBackendHandler handler = new TestBackendHandler();
    private static JettyBackend backend;
    private static TestGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        backend = JettyBackend.clearText(handler);
        gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                services {
                  plain { backend = http, instances = ["%s"] }
                  multiplexed { backend = http, instances = ["%s"] }
                }
                routes = [
                  { path = "/h1/**", service = { name = plain, strip-prefix = "/h1" }, max-request-body-size = 2GiB }
                  { path = "/h2c/**", service = { name = multiplexed, strip-prefix = "/h2c" }, max-request-body-size = 2GiB }
                ]
                """.formatted(backend.url("http"), backend.url("h2c"))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void uploadsOneGibibyteWithContentLengthToAnHttp11Backend() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(gateway.http("/h1/upload"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> Payload.stream(GIBIBYTE)), GIBIBYTE))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("bytes=" + GIBIBYTE + " crc=" + Payload.crc(GIBIBYTE) + " protocol=HTTP/1.1 trailer=none");
    }

    @Test
    void downloadsOneGibibyteChunkedFromAnH2cBackend() throws Exception {
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(gateway.http("/h2c/download?size=" + GIBIBYTE + "&chunked=true")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Length")).isEmpty();
        try (InputStream body = response.body()) {
            assertThat(Payload.checksum(body)).isEqualTo(new Payload.Checksum(GIBIBYTE, Payload.crc(GIBIBYTE)));
        }
    }

    @Test
    void uploadsChunkedToAnH2cBackend() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(gateway.http("/h2c/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> Payload.stream(SIXTEEN_MEBIBYTES)))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("bytes=" + SIXTEEN_MEBIBYTES + " crc=" + Payload.crc(SIXTEEN_MEBIBYTES)
                + " protocol=HTTP/2.0 trailer=none");
    }

    @Test
    void downloadsWithContentLengthKeptFromAnHttp11Backend() throws Exception {
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(gateway.http("/h1/download?size=" + SIXTEEN_MEBIBYTES)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Length")).hasValue(Long.toString(SIXTEEN_MEBIBYTES));
        try (InputStream body = response.body()) {
            assertThat(Payload.checksum(body)).isEqualTo(new Payload.Checksum(SIXTEEN_MEBIBYTES, Payload.crc(SIXTEEN_MEBIBYTES)));
        }
    }

    @Test
    void echoesAChunkedBodyStreamingBothWaysAtOnce() throws Exception {
        // A full-duplex client: it reads the echo while it is still sending (the JDK's HTTP/1.1
        // client reads only once it has sent everything, which no proxy can serve without
        // buffering the whole body).
        org.eclipse.jetty.client.HttpClient duplex = new org.eclipse.jetty.client.HttpClient();
        duplex.start();
        try {
            InputStreamResponseListener listener = new InputStreamResponseListener();
            duplex.newRequest(gateway.http("/h1/echo")).method(HttpMethod.POST)
                    .body(new InputStreamRequestContent(Payload.stream(SIXTEEN_MEBIBYTES)))
                    .send(listener);
            org.eclipse.jetty.client.Response response = listener.get(10, TimeUnit.SECONDS);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getHeaders().get("Content-Length")).isNull();
            try (InputStream body = listener.getInputStream()) {
                assertThat(Payload.checksum(body)).isEqualTo(new Payload.Checksum(SIXTEEN_MEBIBYTES, Payload.crc(SIXTEEN_MEBIBYTES)));
            }
        }
        finally {
            duplex.stop();
        }
    }

    @Test
    void passesChunkedTrailersBothWaysOverHttp11() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.gateway().httpPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /h1/upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n"
                    + "5\r\nhello\r\n0\r\nX-Sent: yes\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String upload = readChunkedOrSized(socket.getInputStream());
            assertThat(upload).startsWith("HTTP/1.1 200").contains("bytes=5 ").contains("trailer=yes");

            out.write("GET /h1/download?size=1000&chunked=true&trailers=true HTTP/1.1\r\nHost: test\r\nTE: trailers\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String download = readChunkedOrSized(socket.getInputStream());
            assertThat(download).containsIgnoringCase("Transfer-Encoding: chunked").contains("X-Checksum: " + Payload.crc(1000));
        }
    }

    @Test
    void passesTrailersBothWaysOverHttp2() throws Exception {
        org.eclipse.jetty.client.HttpClient http2 = Clients.http2(gateway.home());
        try {
            ContentResponse upload = http2.newRequest(gateway.http("/h2c/upload")).method(HttpMethod.POST)
                    .body(new StringRequestContent("hello"))
                    .trailersSupplier(() -> HttpFields.build().put("X-Sent", "over-h2"))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertThat(upload.getContentAsString()).isEqualTo("bytes=5 crc=" + crcOf("hello") + " protocol=HTTP/2.0 trailer=over-h2");

            ContentResponse download = http2.newRequest(gateway.http("/h2c/download?size=100000&chunked=true&trailers=true"))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertThat(download.getStatus()).isEqualTo(200);
            assertThat(download.getContent()).hasSize(100_000);
            assertThat(download.getTrailers()).isNotNull();
            assertThat(download.getTrailers().get("X-Checksum")).isEqualTo(Long.toString(Payload.crc(100_000)));
        }
        finally {
            http2.stop();
        }
    }

    @Test
    void expectContinueIsAnsweredByTheBackend() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.gateway().httpPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("POST /h1/upload HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readLine(in)).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(readLine(in)).isEmpty();
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readChunkedOrSized(in)).startsWith("HTTP/1.1 200").contains("bytes=5 crc=" + crcOf("hello"));
        }
        int before = handler.requests();
        try (Socket socket = new Socket("127.0.0.1", gateway.gateway().httpPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /h1/reject HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // The backend refuses before the body: the client gets its answer instead of a 100 and
            // never sends the body.
            assertThat(readChunkedOrSized(socket.getInputStream())).startsWith("HTTP/1.1 413").contains("too large for this backend");
        }
        assertThat(handler.requests()).isEqualTo(before + 1);
    }

    private static long crcOf(String text) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** One HTTP/1.1 response as text: the head, then the body by Content-Length or chunks with their trailers. */
    private static String readChunkedOrSized(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        long length = -1;
        boolean chunked = false;
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            text.append(line).append('\n');
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            }
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        text.append('\n');
        if (chunked) {
            while (true) {
                int size = Integer.parseInt(readLine(in).trim(), 16);
                if (size == 0) {
                    while (!(line = readLine(in)).isEmpty()) {
                        text.append(line).append('\n');
                    }
                    return text.toString();
                }
                text.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
                readLine(in);
            }
        }
        if (length > 0) {
            text.append(new String(in.readNBytes((int) length), StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }
}
