package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.runtime.testing.TestGateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real WebSocket client for the tests ({@link java.net.http.WebSocket}): collects what the hub
 * sends, and can stop reading (the JDK client then stops reading the socket) to play a slow
 * consumer.
 */
final class HubClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(10);

    private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final AtomicLong owed = new AtomicLong();
    private volatile boolean paused;
    private WebSocket socket;

    private HubClient() {
    }

    /** Connects; fails the test when the upgrade is refused. */
    static HubClient connect(TestGateway gateway, String path, String... headers) {
        try {
            return open(gateway.ws(path), headers).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (Exception e) {
            throw new AssertionError("connecting to " + path + " failed", e);
        }
    }

    /** The HTTP status with which an upgrade is refused; fails the test when it is accepted. */
    static int refusal(TestGateway gateway, String path, String... headers) throws Exception {
        try {
            HubClient client = open(gateway.ws(path), headers).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            client.close();
            throw new AssertionError("the upgrade to " + path + " was accepted");
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
            throw e;
        }
    }

    private static CompletableFuture<HubClient> open(URI uri, String... headers) {
        HubClient client = new HubClient();
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(WAIT);
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.buildAsync(uri, client.listener()).thenApply(socket -> {
            client.socket = socket;
            return client;
        });
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();
            private ByteBuffer binary = ByteBuffer.allocate(0);

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    received.add(text.toString());
                    text.setLength(0);
                }
                next(webSocket);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                ByteBuffer grown = ByteBuffer.allocate(binary.remaining() + data.remaining());
                grown.put(binary).put(data).flip();
                binary = grown;
                if (last) {
                    received.add(binary);
                    binary = ByteBuffer.allocate(0);
                }
                next(webSocket);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closeCode.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                closeCode.completeExceptionally(error);
            }
        };
    }

    private void next(WebSocket webSocket) {
        if (paused) {
            owed.incrementAndGet();
        }
        else {
            webSocket.request(1);
        }
    }

    /** Stops reading: the client asks for no more frames, so the socket fills up. */
    void pause() {
        paused = true;
    }

    /** Reads again. */
    void resume() {
        paused = false;
        socket.request(owed.getAndSet(0) + 1);
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** The next message as JSON; fails when none arrives in time or it is binary. */
    JsonNode next() {
        Object message = poll();
        assertThat(message).as("a text message").isInstanceOf(String.class);
        try {
            return JSON.readTree((String) message);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next message as the hub sent it; fails when none arrives in time or it is binary. */
    String nextText() {
        Object message = poll();
        assertThat(message).as("a text message").isInstanceOf(String.class);
        return (String) message;
    }

    /** The next message, which must be of that type. */
    JsonNode next(String type) {
        JsonNode message = next();
        assertThat(message.path("type").asText()).as("type of %s", message).isEqualTo(type);
        return message;
    }

    /** The next message, which must be a binary one. */
    byte[] nextBinary() {
        Object message = poll();
        assertThat(message).as("a binary message").isInstanceOf(ByteBuffer.class);
        ByteBuffer buffer = (ByteBuffer) message;
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private Object poll() {
        try {
            Object message = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(message).as("a message within " + WAIT).isNotNull();
            return message;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Messages received and not yet taken, without waiting. */
    List<Object> drain() {
        List<Object> messages = new ArrayList<>();
        received.drainTo(messages);
        return messages;
    }

    /** Whether nothing is waiting to be taken. */
    boolean isIdle() {
        return received.isEmpty();
    }

    /** Sends a request and returns the reply, which must be of {@code type}. */
    JsonNode request(String json, String type) {
        send(json);
        return next(type);
    }

    /** Subscribes and checks the {@code subscribed} reply. */
    JsonNode subscribe(String channel) {
        JsonNode reply = request("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}", "subscribed");
        assertThat(reply.path("channel").asText()).isEqualTo(channel);
        return reply;
    }

    /** The close code the hub sent, waiting for it. */
    int closeCode() {
        try {
            return closeCode.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (Exception e) {
            throw new AssertionError("no close within " + WAIT, e);
        }
    }

    boolean isClosed() {
        return closeCode.isDone();
    }

    @Override
    public void close() {
        if (socket == null) {
            return;
        }
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .exceptionally(failure -> null).join();
        }
        socket.abort();
    }
}
