package dev.tollgate.runtime.websocket;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

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
