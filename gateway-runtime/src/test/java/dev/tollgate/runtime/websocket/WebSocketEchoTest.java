package dev.tollgate.runtime.websocket;

import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class WebSocketEchoTest {
    @Test
    void echoes() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                routes = [ { path = "/ws", endpoint = test-ws-echo } ]
                """)) {
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(gateway.ws("/ws"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            received.add(data.toString());
                            webSocket.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                            received.add("closed:" + statusCode);
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("hello anonymous on HTTP/1.1");
            socket.sendText("ping", true).get(5, TimeUnit.SECONDS);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:ping");
            socket.sendText("close:4000", true);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("closed:4000");
        }
    }

    /** Found by {@code Http1RequestFuzzTest}: a missing key was answered 500 and logged as a gateway error. */
    @ParameterizedTest
    @ValueSource(strings = {"Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n"})
    void anIncompleteUpgradeIsABadRequest(String fields) throws Exception {
        try (TestGateway gateway = TestGateway.start("routes = [ { path = \"/ws\", endpoint = test-ws-echo } ]");
             CapturedLogs logs = CapturedLogs.everyLogger();
             RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            RawHttp.Response response = http.send("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + fields + "\r\n").read();
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("\"code\":\"BAD_REQUEST\"");
            assertThat(logs.warningsWithOrigin()).isEmpty();
        }
    }

    @Test
    void gracefulStopClosesSessionsWithGoingAway() throws Exception {
        TestGateway gateway = TestGateway.start("routes = [ { path = \"/ws\", endpoint = test-ws-echo } ]");
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(gateway.ws("/ws"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                received.add("closed:" + statusCode);
                return null;
            }
        }).get(5, TimeUnit.SECONDS);
        gateway.close();
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("closed:1001");
    }
}
