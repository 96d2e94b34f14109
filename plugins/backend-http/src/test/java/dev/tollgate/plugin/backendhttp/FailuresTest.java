package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Failures of instances and clients through a running gateway with the runtime's upstream
 * registry: connect failures (502, retried onto another instance for any method since the request
 * never left), resets after the body was sent (502, retried for GET only), retried statuses (for
 * idempotent requests only), the response timeout (504), and a client that goes away (the
 * backend's request is aborted).
 */
class FailuresTest {
    private static final TestBackendHandler holding = new TestBackendHandler();
    private static JettyBackend holdingBackend;
    private static final TestBackendHandler alive = new TestBackendHandler();
    private static JettyBackend aliveBackend;
    private static ScriptedBackend resetting;
    private static BackendServer unavailable;
    private static BackendServer available;
    private static TestGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        holdingBackend = JettyBackend.clearText(holding);
        aliveBackend = JettyBackend.clearText(alive);
        resetting = new ScriptedBackend(head -> ScriptedBackend.Reply.reset());
        unavailable = BackendServer.start("unavailable").status(503);
        available = BackendServer.start("available");
        String closed = "http://127.0.0.1:" + closedPort();
        gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                services {
                  refused { backend = http, instances = ["%s"] }
                  half-refused { backend = http, instances = ["%s", "%s"], passive-health.enabled = false }
                  resetting { backend = http, instances = ["%s"], passive-health.enabled = false, circuit-breaker.enabled = false }
                  half-unavailable { backend = http, instances = ["%s", "%s"], passive-health.enabled = false, circuit-breaker.enabled = false }
                  holding { backend = http, instances = ["%s"] }
                  holding-h2c { backend = http, instances = ["%s"] }
                  narrow { backend = http, instances = ["%s"], pool { max-connections-per-instance = 1, max-queued-requests-per-instance = 1 } }
                  alive { backend = http, instances = ["%s"] }
                }
                routes = [
                  { path = "/refused/**", service = { name = refused, strip-prefix = "/refused" } }
                  { path = "/half-refused/**", service = { name = half-refused, strip-prefix = "/half-refused" } }
                  { path = "/resetting/**", service = { name = resetting, strip-prefix = "/resetting" } }
                  { path = "/half-unavailable/**", service = { name = half-unavailable, strip-prefix = "/half-unavailable" } }
                  { path = "/slow/**", service = { name = holding, strip-prefix = "/slow", timeouts.response = 300ms } }
                  { path = "/held/**", service = { name = holding, strip-prefix = "/held" } }
                  { path = "/held-h2c/**", service = { name = holding-h2c, strip-prefix = "/held-h2c" } }
                  { path = "/narrow/**", service = { name = narrow, strip-prefix = "/narrow", timeouts.response = 2s } }
                  { path = "/small/**", service = { name = alive, strip-prefix = "/small" }, max-request-body-size = 1KiB }
                ]
                """.formatted(closed, closed, aliveBackend.url("http"), resetting.url(), unavailable.url(), available.url(),
                holdingBackend.url("http"), holdingBackend.url("h2c"), holdingBackend.url("http"), aliveBackend.url("http"))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        for (AutoCloseable closeable : new AutoCloseable[] {holdingBackend, aliveBackend, resetting, unavailable, available}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anUnreachableInstanceIsABadGateway() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/refused/describe")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body()).contains("\"code\":\"BAD_GATEWAY\"", "\"requestId\":\"");
    }

    @Test
    void requestsThatNeverReachedAnInstanceAreRetriedOnAnotherWhateverTheirMethod() throws Exception {
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> get = client.send(HttpRequest.newBuilder(gateway.http("/half-refused/describe")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(200);
            HttpResponse<String> post = client.send(HttpRequest.newBuilder(gateway.http("/half-refused/upload"))
                    .POST(HttpRequest.BodyPublishers.ofString("body " + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(200);
            assertThat(post.body()).startsWith("bytes=6 ");
        }
        assertThat(metrics()).containsPattern("tollgate_backend_http_errors_total\\{[^}]*kind=\"connect\"[^}]*service=\"half-refused\"[^}]*} [1-9]")
                .containsPattern("tollgate_upstream_retries_total\\{outcome=\"allowed\",service=\"half-refused\"} [1-9]");
    }

    @Test
    void aResetAfterTheBodyWasSentIsRetriedForGetButNotForPost() throws Exception {
        int before = resetting.requests();
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(gateway.http("/resetting/upload"))
                .POST(HttpRequest.BodyPublishers.ofString("not twice")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(502);
        assertThat(post.body()).contains("\"code\":\"BAD_GATEWAY\"");
        assertThat(resetting.requests()).isEqualTo(before + 1);

        HttpResponse<String> get = client.send(HttpRequest.newBuilder(gateway.http("/resetting/describe")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(502);
        // attempts = 3 by default; the only instance is tried again when no other is left.
        assertThat(resetting.requests()).isEqualTo(before + 4);
    }

    @Test
    void retriedStatusesAreRetriedForIdempotentRequestsOnly() throws Exception {
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> get = client.send(HttpRequest.newBuilder(gateway.http("/half-unavailable/any")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).isEqualTo("available");
        }
        List<Integer> postStatuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            postStatuses.add(client.send(HttpRequest.newBuilder(gateway.http("/half-unavailable/any"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertThat(postStatuses).contains(503, 200);
    }

    @Test
    void noResponseInTimeIsAGatewayTimeout() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/slow/hold")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("\"code\":\"GATEWAY_TIMEOUT\"");
    }

    @Test
    void aFullQueueIsAnswered503WithoutWaiting() throws Exception {
        HttpClient first = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpClient second = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpClient third = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var holdingTheConnection = first.sendAsync(HttpRequest.newBuilder(gateway.http("/narrow/hold")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics().contains("tollgate_backend_http_connections{service=\"narrow\",state=\"active\"} 1"));
        var queued = second.sendAsync(HttpRequest.newBuilder(gateway.http("/narrow/hold")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics().contains("tollgate_backend_http_queued_requests{service=\"narrow\"} 1"));

        HttpResponse<String> refused = third.send(HttpRequest.newBuilder(gateway.http("/narrow/hold")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("\"code\":\"UNAVAILABLE\"", "too many requests waiting");
        // The other two wait for the response timeout, time in the queue included.
        assertThat(holdingTheConnection.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
        assertThat(queued.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
    }

    private String metrics() throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void theClientsOwnBodyFailureIsAnsweredAsSuch() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/small/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> Payload.stream(64 * 1024))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
    }

    @Test
    void anHttp2ClientThatCancelsResetsTheBackendStream() throws Exception {
        int before = holding.held();
        org.eclipse.jetty.client.HttpClient http2 = Clients.http2(gateway.home());
        try {
            org.eclipse.jetty.client.Request request = http2.newRequest(gateway.http("/held-h2c/hold")).timeout(30, TimeUnit.SECONDS);
            request.send(result -> {
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> holding.held() > before);
            request.abort(new Exception("the client gives up"));
            assertThat(holding.aborted().await(10, TimeUnit.SECONDS)).as("the backend saw its request aborted").isTrue();
        }
        finally {
            http2.stop();
        }
    }

    @Test
    void anHttp11ClientThatDisconnectsMidResponseAbortsTheBackendRequest() throws Exception {
        TestBackendHandler handler = new TestBackendHandler();
        try (JettyBackend backend = JettyBackend.clearText(handler);
             TestGateway own = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                     services { held { backend = http, instances = ["%s"] } }
                     routes = [ { path = "/**", service = held } ]
                     """.formatted(backend.url("h2c"))).start()) {
            try (Socket socket = new Socket("127.0.0.1", own.gateway().httpPort())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /stream HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(socket.getInputStream().readNBytes(100_000)).hasSize(100_000);
            }
            assertThat(handler.aborted().await(10, TimeUnit.SECONDS)).as("the backend saw its request aborted").isTrue();
        }
    }
}
