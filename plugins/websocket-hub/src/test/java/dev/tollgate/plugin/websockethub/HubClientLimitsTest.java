package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.runtime.testing.RawWebSocket;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static dev.tollgate.plugin.websockethub.HubGateways.counter;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection's messages per second and its publishes waiting for the bus are bounded: beyond
 * either, a message is refused with {@code TOO_MANY_REQUESTS}; a client that keeps on after
 * being refused is closed with 1008. The bus here ({@code hub-test-gated}) holds publications
 * until the test lets them through, playing a bus (Redis) that is slow to acknowledge.
 */
class HubClientLimitsTest {
    private static final String CONFIG = """
            events { bridge = hub-test-gated }
            plugins.websocket-hub {
              permissions = [ { channels = "*", subscribe = true, publish = true, presence = true, anonymous = true } ]
            }
            routes = [ { path = "/ws", endpoint = hub } ]
            """;

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = HubGateways.start(CONFIG);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @AfterEach
    void openTheGate() {
        HubTestPlugin.openPublishGate();
    }

    @Test
    void aClientFloodingMessagesIsRefusedThenClosed() throws Exception {
        long refusedBefore = counter(gateway, "messages_refused", "reason", "rate_limit");
        long closesBefore = counter(gateway, "abuse_closes");
        try (RawWebSocket client = RawWebSocket.connect(gateway.ws("/ws"))) {
            Flood flood = flood(client, id -> "{\"type\":\"ping\",\"id\":" + id + "}");
            assertThat(flood.closeCode()).as("close code after %d messages", flood.sent()).isEqualTo(1008);
            List<JsonNode> pongs = flood.ofType("pong");
            List<JsonNode> refusals = flood.ofType("error");
            // The default allows bursts of 100 messages and 100 per second.
            assertThat(pongs.size()).isBetween(100, 400);
            assertThat(refusals).hasSizeGreaterThanOrEqualTo(100).allSatisfy(refusal -> {
                assertThat(refusal.path("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
                assertThat(refusal.path("message").asText()).contains("100 messages per second");
                assertThat(refusal.has("id")).isTrue();
            });
        }
        assertThat(counter(gateway, "messages_refused", "reason", "rate_limit")).isGreaterThanOrEqualTo(refusedBefore + 100);
        assertThat(counter(gateway, "abuse_closes")).isEqualTo(closesBefore + 1);
    }

    @Test
    void publishesWaitingForTheBusAreBounded() {
        String channel = unique("chat:");
        long refusedBefore = counter(gateway, "messages_refused", "reason", "publishes_in_flight");
        try (HubClient client = HubClient.connect(gateway, "/ws")) {
            client.next("subscribed");
            HubTestPlugin.closePublishGate();
            for (int i = 1; i <= 40; i++) {
                client.send("{\"type\":\"publish\",\"channel\":\"" + channel + "\",\"data\":" + i + ",\"id\":" + i + "}");
            }
            // The default lets 16 wait for the bus; the others are refused at once.
            Set<Integer> refused = new HashSet<>();
            for (int i = 17; i <= 40; i++) {
                JsonNode refusal = client.next("error");
                assertThat(refusal.path("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
                assertThat(refusal.path("message").asText()).contains("16 publishes");
                refused.add(refusal.path("id").asInt());
            }
            assertThat(refused).hasSize(24).allSatisfy(id -> assertThat(id).isGreaterThan(16));
            assertThat(counter(gateway, "messages_refused", "reason", "publishes_in_flight")).isEqualTo(refusedBefore + 24);

            HubTestPlugin.openPublishGate();
            Set<Integer> published = new HashSet<>();
            for (int i = 1; i <= 16; i++) {
                published.add(client.next("published").path("id").asInt());
            }
            assertThat(published).hasSize(16).allSatisfy(id -> assertThat(id).isBetween(1, 16));
            // Room again, and the connection was not closed for it.
            client.request("{\"type\":\"publish\",\"channel\":\"" + channel + "\",\"data\":0,\"id\":\"again\"}", "published");
        }
    }

    @Test
    void aClientThatKeepsPublishingPastTheBoundIsClosed() throws Exception {
        long closesBefore = counter(gateway, "abuse_closes");
        try (TestGateway tight = HubGateways.start(CONFIG.replace("endpoint = hub",
                "endpoint = { name = hub, max-messages-per-second = 20, max-publishes-in-flight = 2 }"));
             RawWebSocket client = RawWebSocket.connect(tight.ws("/ws"))) {
            HubTestPlugin.closePublishGate();
            Flood flood = flood(client, n -> "{\"type\":\"publish\",\"channel\":\"a\",\"data\":" + n + "}");
            assertThat(flood.closeCode()).as("close code after %d publishes", flood.sent()).isEqualTo(1008);
            assertThat(flood.ofType("error")).extracting(reply -> reply.path("message").asText())
                    .anySatisfy(message -> assertThat(message).contains("2 publishes in flight"))
                    .anySatisfy(message -> assertThat(message).contains("20 messages per second"));
            assertThat(counter(tight, "messages_refused", "reason", "publishes_in_flight")).isPositive();
            assertThat(counter(tight, "abuse_closes")).isEqualTo(1);
        }
        assertThat(counter(gateway, "abuse_closes")).isEqualTo(closesBefore);
    }

    /**
     * Sends up to 1 000 messages as fast as it can while reading what comes back on another
     * thread, as a real client does. (Reading only after the flood lost the close frame now and
     * then: the gateway closed the connection with the client's messages still arriving, its
     * kernel answered them with a reset, and a reset drops what the client had not read yet.)
     */
    private static Flood flood(RawWebSocket client, IntFunction<String> message) throws Exception {
        List<JsonNode> replies = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> closeCode = CompletableFuture.supplyAsync(() -> {
            try {
                RawWebSocket.Frame frame;
                while ((frame = client.readFrame()) != null) {
                    if (frame.opcode() == RawWebSocket.CLOSE) {
                        return frame.closeCode();
                    }
                    if (frame.opcode() == RawWebSocket.TEXT) {
                        replies.add(HubClient.JSON.readTree(frame.text()));
                    }
                }
            }
            catch (IOException e) {
                // Reset: no close frame.
            }
            return 1006;
        });
        int sent = 0;
        try {
            while (sent < 1000 && !closeCode.isDone()) {
                client.sendText(message.apply(sent));
                sent++;
            }
        }
        catch (IOException e) {
            // Closed by the gateway meanwhile.
        }
        int code = closeCode.get(20, TimeUnit.SECONDS);
        return new Flood(sent, List.copyOf(replies), code);
    }

    /** What a flood got back: the replies before the close, and the close code (1006: none). */
    private record Flood(int sent, List<JsonNode> replies, int closeCode) {
        List<JsonNode> ofType(String type) {
            return replies.stream().filter(reply -> reply.path("type").asText().equals(type)).toList();
        }
    }
}
