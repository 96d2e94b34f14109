package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** The hub over WebSocket on HTTP/2 (RFC 8441 extended CONNECT, h2c), with Jetty's WebSocket client. */
class HubHttp2Test {

    @Test
    void deliversOverHttp2() throws Exception {
        String channel = unique("news:");
        // After a WebSocket over HTTP/2 closes, the runtime keeps its HTTP/2 connection until the
        // grace period of a stop ends (so does its own test-ws-echo endpoint): a short one keeps this test short.
        try (TestGateway gateway = HubGateways.start(HubGateways.STANDARD + "\nserver.shutdown-grace-period = 1s")) {
            HttpClient http = Clients.http2(gateway.home());
            WebSocketCoreClient webSockets = new WebSocketCoreClient(http, null);
            webSockets.start();
            try {
                LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
                CompletableFuture<HttpVersion> handshakeVersion = new CompletableFuture<>();
                TextCollector collector = new TextCollector(received);
                CoreClientUpgradeRequest upgrade = CoreClientUpgradeRequest.from(webSockets, gateway.ws("/ws?access_token=h2-user"),
                        collector);
                upgrade.setVersion(HttpVersion.HTTP_2);
                upgrade.addListener(new UpgradeListener() {
                    @Override
                    public void onHandshakeResponse(Request request, Response response) {
                        handshakeVersion.complete(response.getVersion());
                    }
                });
                CoreSession session = webSockets.connect(upgrade).get(10, TimeUnit.SECONDS);
                assertThat(handshakeVersion.get(10, TimeUnit.SECONDS)).isEqualTo(HttpVersion.HTTP_2);

                assertThat(next(received).path("channel").asText()).isEqualTo("broadcast");
                session.sendFrame(new Frame(OpCode.TEXT, "{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}"), Callback.NOOP, false);
                assertThat(next(received).path("type").asText()).isEqualTo("subscribed");
                publish(gateway, channel, "{\"over\":\"h2\"}");
                JsonNode message = next(received);
                assertThat(message.path("type").asText()).isEqualTo("message");
                assertThat(message.path("data").path("over").asText()).isEqualTo("h2");
                session.sendFrame(new Frame(OpCode.TEXT, "{\"type\":\"ping\",\"id\":1}"), Callback.NOOP, false);
                assertThat(next(received).path("type").asText()).isEqualTo("pong");
                session.close(CloseStatus.NORMAL, "bye", Callback.NOOP);
                assertThat(collector.closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(CloseStatus.NORMAL);
            }
            finally {
                webSockets.stop();
                http.stop();
            }
        }
    }

    @Test
    void authenticatesWithTheFirstMessageOverHttp2() throws Exception {
        String user = unique("h2-");
        try (TestGateway gateway = HubGateways.start(HubGateways.STANDARD + "\nserver.shutdown-grace-period = 1s")) {
            HttpClient http = Clients.http2(gateway.home());
            WebSocketCoreClient webSockets = new WebSocketCoreClient(http, null);
            webSockets.start();
            try {
                LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
                TextCollector collector = new TextCollector(received);
                CoreClientUpgradeRequest upgrade = CoreClientUpgradeRequest.from(webSockets, gateway.ws("/ws/first-message"), collector);
                upgrade.setVersion(HttpVersion.HTTP_2);
                CoreSession session = webSockets.connect(upgrade).get(10, TimeUnit.SECONDS);

                // The route's filters run again on the upgrade request, read after the HTTP/2 upgrade.
                session.sendFrame(new Frame(OpCode.TEXT, "{\"type\":\"auth\",\"token\":\"" + user + "\"}"), Callback.NOOP, false);
                JsonNode authenticated = next(received);
                assertThat(authenticated.path("type").asText()).isEqualTo("authenticated");
                assertThat(authenticated.path("user").asText()).isEqualTo(user);
                assertThat(next(received).path("channel").asText()).isEqualTo("user:" + user);
                assertThat(next(received).path("channel").asText()).isEqualTo("broadcast");
                publish(gateway, "user:" + user, "{\"over\":\"h2\"}");
                assertThat(next(received).path("type").asText()).isEqualTo("notification");
                session.close(CloseStatus.NORMAL, "bye", Callback.NOOP);
                assertThat(collector.closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(CloseStatus.NORMAL);
            }
            finally {
                webSockets.stop();
                http.stop();
            }
        }
    }

    private static JsonNode next(LinkedBlockingQueue<String> received) throws Exception {
        String text = received.poll(30, TimeUnit.SECONDS);
        assertThat(text).as("a message").isNotNull();
        return HubClient.JSON.readTree(text);
    }

    /** Collects whole text messages (the hub sends them unfragmented). */
    private static final class TextCollector implements FrameHandler {
        private final LinkedBlockingQueue<String> received;
        private final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
        private CoreSession session;

        TextCollector(LinkedBlockingQueue<String> received) {
            this.received = received;
        }

        @Override
        public void onOpen(CoreSession coreSession, Callback callback) {
            session = coreSession;
            callback.succeeded();
            coreSession.demand();
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
            if (frame.getOpCode() == OpCode.TEXT) {
                received.add(StandardCharsets.UTF_8.decode(frame.getPayload()).toString());
            }
            callback.succeeded();
            session.demand();
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback) {
            closed.complete(closeStatus);
            callback.succeeded();
        }
    }
}
