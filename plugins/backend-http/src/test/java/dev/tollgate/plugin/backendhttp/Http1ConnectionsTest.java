package dev.tollgate.plugin.backendhttp;

import dev.tollgate.plugin.backendhttp.ScriptedBackend.Reply;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
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
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import static dev.tollgate.plugin.backendhttp.ScriptedBackend.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's own HTTP/1.1 connections to clear-text instances ({@code Http1Connection} and
 * {@code Http1Pool}) against a backend whose bytes are scripted: connections kept and reused,
 * bounded and queued, dropped when the instance closes them (said or unsaid), bodies ended by
 * the close, interim responses, early answers to uploads, and malformed responses.
 */
class Http1ConnectionsTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ScriptedBackend backend;
    private TestGateway gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(Function<String, Reply> script, String serviceOptions) throws Exception {
        start(script, serviceOptions, "");
    }

    private void start(Function<String, Reply> script, String serviceOptions, String gatewayOptions) throws Exception {
        backend = new ScriptedBackend(script);
        gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                services { svc { backend = http, instances = ["%s"], passive-health.enabled = false, circuit-breaker.enabled = false %s } }
                routes = [ { path = "/**", service = svc } ]
                %s
                """.formatted(backend.url(), serviceOptions, gatewayOptions)).start();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET from a client of its own: a new connection to the gateway, on the next of its selectors. */
    private HttpResponse<String> getOnANewConnection(String path) throws Exception {
        HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return own.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits until the connection of the response just received is back in its pool: a response can
     * reach the client before the completion of the request's last write is processed, and a next
     * request sent in that moment finds the connection still busy (and opens another, rightly).
     */
    private void settle() {
        awaitIdleConnections(1);
    }

    private void awaitIdleConnections(int idle) {
        String gauge = "tollgate_backend_http_connections{service=\"svc\",state=\"idle\"} " + idle;
        await().atMost(Duration.ofSeconds(10)).until(() -> client.send(HttpRequest.newBuilder(gateway.http("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains(gauge));
    }

    @Test
    void sequentialRequestsShareOneConnection() throws Exception {
        start(head -> Reply.keep(ok("hello")), "");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = get("/hello");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello");
        }
        assertThat(backend.requests()).isEqualTo(20);
        // One connection, or two when the next request came before the last write's completion
        // was processed (a response may beat it; the connection then returns a moment later).
        assertThat(backend.connections()).isLessThanOrEqualTo(2);
    }

    @Test
    void eachEventLoopKeepsItsOwnConnections() throws Exception {
        // Two selectors: new client connections are spread over them, and each selector's requests
        // go out on a connection read by that selector (Exchange.Connection.eventLoop()).
        start(head -> Reply.keep(ok("looped")), "", "server.http.selectors = 2");
        for (int i = 0; i < 6; i++) {
            assertThat(getOnANewConnection("/looped").body()).isEqualTo("looped");
            awaitIdleConnections(backend.connections());
        }
        assertThat(backend.requests()).isEqualTo(6);
        assertThat(backend.connections()).as("one per loop").isEqualTo(2);
    }

    @Test
    void atTheMaximumARequestTakesAnIdleConnectionOfAnotherLoop() throws Exception {
        start(head -> Reply.keep(ok("shared")), ", pool.max-connections-per-instance = 1", "server.http.selectors = 2");
        for (int i = 0; i < 6; i++) {
            assertThat(getOnANewConnection("/shared").body()).isEqualTo("shared");
            settle();
        }
        assertThat(backend.requests()).isEqualTo(6);
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void aConnectThatTakesTooLongFailsAsAConnectFailure() throws Exception {
        // A listener that never accepts, its accept queue full: Linux drops further SYNs, so a
        // connect neither succeeds nor is refused. The loop's connect gives up at the timeout.
        try (ServerSocket saturated = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> queued = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket socket = new Socket();
                    queued.add(socket);
                    try {
                        socket.connect(saturated.getLocalSocketAddress(), 200);
                    }
                    catch (IOException full) {
                        break;
                    }
                }
                gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                        services { silent { backend = http, instances = ["http://127.0.0.1:%d"], timeouts.connect = 300ms,
                                            passive-health.enabled = false, circuit-breaker.enabled = false } }
                        routes = [ { path = "/**", service = silent } ]
                        """.formatted(saturated.getLocalPort())).start();
                long started = System.nanoTime();
                HttpResponse<String> response = get("/nothing");
                assertThat(response.statusCode()).isEqualTo(502);
                assertThat(response.body()).contains("\"code\":\"BAD_GATEWAY\"");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
                String metrics = client.send(HttpRequest.newBuilder(gateway.http("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).containsPattern("tollgate_backend_http_errors_total\\{[^}]*kind=\"connect\"[^}]*service=\"silent\"[^}]*} [1-9]")
                        .contains("tollgate_backend_http_connections{service=\"silent\",state=\"active\"} 0");
            }
            finally {
                for (Socket socket : queued) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void concurrentRequestsOpenAtMostTheMaximumAndTheRestWait() throws Exception {
        start(head -> Reply.keep(ok("slow")).delayed(50), ", pool.max-connections-per-instance = 2");
        List<HttpClient> clients = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            clients.add(own);
            responses.add(own.sendAsync(HttpRequest.newBuilder(gateway.http("/slow")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get().statusCode()).isEqualTo(200);
            assertThat(response.get().body()).isEqualTo("slow");
        }
        assertThat(backend.requests()).isEqualTo(8);
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void aConnectionTheInstanceClosedWhileIdleIsNotUsedAgain() throws Exception {
        // A keep-alive response, then the instance drops the connection without saying so.
        start(head -> Reply.close(ok("once")), "");
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = get("/once");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("once");
            // The instance dropped the connection after answering; the pool notices and lets it go.
            int dropped = i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.ended() == dropped);
            awaitIdleConnections(0);
        }
        assertThat(backend.requests()).isEqualTo(5);
        assertThat(backend.connections()).isEqualTo(5);
    }

    @Test
    void connectionCloseInTheResponseIsHonoured() throws Exception {
        start(head -> Reply.close("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye"), "");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = get("/bye");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("bye");
        }
        assertThat(backend.connections()).isEqualTo(3);
    }

    @Test
    void aBodyEndedByTheCloseIsRelayedWhole() throws Exception {
        String body = "x".repeat(100_000);
        start(head -> Reply.close("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body), "");
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = get("/until-close");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(body);
        }
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void anInterimResponseIsSkippedForTheFinalOne() throws Exception {
        start(head -> Reply.keep("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + ok("final")), "");
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = get("/hints");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("final");
            settle();
        }
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void anEarlyAnswerToAnUploadIsRelayedAndItsConnectionClosed() throws Exception {
        start(head -> head.startsWith("POST")
                // Like a real server that answers without reading the body: it closes the connection after.
                ? Reply.close("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!").early()
                : Reply.keep(ok("fine")), "");
        byte[] upload = new byte[4 * 1024 * 1024];
        HttpResponse<String> refused = client.send(HttpRequest.newBuilder(gateway.http("/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(refused.body()).isEqualTo("too big!");
        HttpResponse<String> next = get("/after");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).isEqualTo("fine");
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void anEarlyAnswerBeforeTheClientsBodyArrivedTellsTheClientTheConnectionCloses() throws Exception {
        // The instance answers on the request head; the client's body is still to come. The gateway
        // relays the answer with Connection: close — the body will not be read, and a client that
        // sent its next request on the connection would meet a reset.
        start(head -> Reply.close("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy").early(), "");
        try (Socket socket = new Socket("127.0.0.1", gateway.http("/").getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 503 ").containsIgnoringCase("\r\nConnection: close\r\n").endsWith("busy");
        }
    }

    @Test
    void aMalformedResponseIsABadGatewayAndTheConnectionIsDropped() throws Exception {
        start(head -> head.contains("/broken") ? Reply.keep("HTTP/1.1 2x0 Nonsense\r\n\r\n") : Reply.keep(ok("fine")), "");
        HttpResponse<String> broken = get("/broken");
        assertThat(broken.statusCode()).isEqualTo(502);
        assertThat(broken.body()).contains("\"code\":\"BAD_GATEWAY\"");
        assertThat(get("/fine").body()).isEqualTo("fine");
        // Each malformed answer (a GET is tried again) cost its connection; the good one got a new one.
        assertThat(backend.connections()).isEqualTo(backend.requests());
    }

    @Test
    void aClientThatLeavesMidBodyCostsTheConnectionNotTheNextRequest() throws Exception {
        String big = "y".repeat(8 * 1024 * 1024);
        start(head -> head.contains("/big") ? Reply.keep(ok(big)) : Reply.keep(ok("small")), "");
        try (Socket socket = new Socket("127.0.0.1", gateway.http("/").getPort())) {
            socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] some = socket.getInputStream().readNBytes(64 * 1024);
            assertThat(new String(some, 0, 15, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK");
        }
        // The half-read response's connection is closed, not left streaming to nobody nor reused.
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.ended() == 1);
        HttpResponse<String> next = get("/small");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).isEqualTo("small");
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void headAndNoContentResponsesEndWithoutABody() throws Exception {
        start(head -> head.startsWith("HEAD")
                ? Reply.keep("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
                : Reply.keep("HTTP/1.1 204 No Content\r\n\r\n"), "");
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(gateway.http("/h")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).hasValue("1234");
        settle();
        HttpResponse<String> empty = get("/empty");
        assertThat(empty.statusCode()).isEqualTo(204);
        assertThat(empty.body()).isEmpty();
        assertThat(backend.connections()).isEqualTo(1);
    }
}
