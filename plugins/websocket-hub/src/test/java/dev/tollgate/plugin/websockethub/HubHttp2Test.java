package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
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

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
                CoreClientUpgradeRequest upgrade = upgradeOverHttp2(webSockets, gateway.ws("/ws?access_token=h2-user"), collector);
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
                CoreClientUpgradeRequest upgrade = upgradeOverHttp2(webSockets, gateway.ws("/ws/first-message"), collector);
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

    /** A refused upgrade fails the connect: its response's content is still read ({@link #upgradeOverHttp2}). */
    @Test
    void refusedUpgradeOverHttp2Fails() throws Exception {
        try (TestGateway gateway = HubGateways.start(HubGateways.STANDARD + "\nserver.shutdown-grace-period = 1s")) {
            HttpClient http = Clients.http2(gateway.home());
            WebSocketCoreClient webSockets = new WebSocketCoreClient(http, null);
            webSockets.start();
            try {
                CompletableFuture<Integer> status = new CompletableFuture<>();
                CoreClientUpgradeRequest upgrade = upgradeOverHttp2(webSockets, gateway.ws("/ws/notifications"),
                        new TextCollector(new LinkedBlockingQueue<>()));
                upgrade.addListener(new UpgradeListener() {
                    @Override
                    public void onHandshakeResponse(Request request, Response response) {
                        status.complete(response.getStatus());
                    }
                });
                CompletableFuture<CoreSession> connected = webSockets.connect(upgrade);
                assertThatThrownBy(() -> connected.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
                assertThat(status.getNow(null)).isEqualTo(401);
            }
            finally {
                webSockets.stop();
                http.stop();
            }
        }
    }

    /**
     * A WebSocket upgrade over HTTP/2 whose tunnel's bytes are left to the WebSocket.
     *
     * <p>Jetty's HTTP/2 client (12.1.12) answers the 200 to the extended CONNECT by handing the
     * stream to the WebSocket connection and opening it ({@code HttpReceiverOverHTTP2.onResponse}),
     * and then goes on as for any response: it notifies the response's content source, and a
     * request without a content listener has that content consumed
     * ({@code ResponseListeners.notifyContentSource}), which reads the stream
     * ({@code HttpReceiverOverHTTP2.read} → {@code Stream.readData}). A DATA frame that arrived in
     * between — a WebSocket frame from the gateway — is taken off the stream and thrown away, and
     * the session never sees it: the hub's first message (the reply to the broadcast
     * subscription), or the next one when the client answered the first quickly. The gateway had
     * written it (both ends' flow-control windows count it); the window is the client thread's
     * time between opening the session and notifying the headers, which a loaded machine widens.
     *
     * <p>A content listener that does not read the 200's "content" leaves every frame to the
     * session; the content of a refusal (not a tunnel) is consumed as Jetty would.
     */
    static CoreClientUpgradeRequest upgradeOverHttp2(WebSocketCoreClient webSockets, URI uri, FrameHandler handler) {
        CoreClientUpgradeRequest upgrade = new CoreClientUpgradeRequest(webSockets, uri) {
            @Override
            public FrameHandler getFrameHandler() {
                return handler;
            }

            @Override
            public void send(Response.CompleteListener listener) {
                super.send(new TunnelContentLeftAlone(listener));
            }
        };
        upgrade.setVersion(HttpVersion.HTTP_2);
        return upgrade;
    }

    /** The upgrade's complete listener, and the content listener that leaves a tunnel's bytes unread. */
    private record TunnelContentLeftAlone(Response.CompleteListener delegate)
            implements Response.CompleteListener, Response.ContentSourceListener {
        @Override
        public void onComplete(Result result) {
            delegate.onComplete(result);
        }

        @Override
        public void onContentSource(Response response, Content.Source source) {
            if (response.getStatus() != HttpStatus.OK_200) {
                consume(source);
            }
        }

        /** As Jetty consumes the content nobody listens to: a read, then a demand until the last chunk. */
        private static void consume(Content.Source source) {
            Content.Chunk chunk = source.read();
            if (chunk != null) {
                chunk.release();
            }
            if (chunk == null || !chunk.isLast()) {
                source.demand(() -> consume(source));
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
