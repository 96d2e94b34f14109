package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.plugin.websockethub.HubGateways.counter;
import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slow consumers, per-connection and per-user limits. Route {@code /ws/small} queues at most 8
 * messages (256 KiB) per connection and allows 2 subscriptions.
 */
class HubFlowControlTest {
    /** Events of about 8 KiB: a paused client's socket buffers fill up after a few hundred. */
    private static final String PADDING = "x".repeat(8 * 1024);
    /** Enough to fill a paused client's socket buffers many times over. */
    private static final int MAX_EVENTS = 5000;

    @RegisterExtension
    static final StandardGateway GATEWAY = new StandardGateway();

    @Test
    void closesASlowConsumerWith1013WithoutHoldingUpOthers() {
        String channel = unique("slow-close:");
        try (HubClient slow = subscriber(channel);
             HubClient fast = subscriber(channel)) {
            slow.pause();

            long closesBefore = counter(GATEWAY.get(), "slow_consumer_closes");
            int published = 0;
            // Each event waits for the fast client to have it: the fast client never falls behind.
            while (counter(GATEWAY.get(), "slow_consumer_closes") == closesBefore && published < MAX_EVENTS) {
                published++;
                publish(GATEWAY.get(), channel, event(published));
                assertThat(fast.next("message").path("data").path("n").asInt()).isEqualTo(published);
            }
            assertThat(counter(GATEWAY.get(), "slow_consumer_closes")).as("a slow-consumer close after %d events", published)
                    .isEqualTo(closesBefore + 1);

            // The slow client gets what was queued before the close, then the close itself.
            slow.resume();
            assertThat(slow.closeCode()).isEqualTo(1013);
            publish(GATEWAY.get(), channel, event(published + 1));
            assertThat(fast.next("message").path("data").path("n").asInt()).isEqualTo(published + 1);
            fast.request("{\"type\":\"ping\"}", "pong");
        }
    }

    @Test
    void dropsTheOldestMessagesOfASlowConsumerWhereThePolicySaysSo() {
        String channel = unique("slow-drop:");
        try (HubClient slow = subscriber(channel);
             HubClient fast = subscriber(channel)) {
            slow.pause();

            long droppedBefore = counter(GATEWAY.get(), "messages_dropped", "reason", "queue_full");
            int published = 0;
            while (counter(GATEWAY.get(), "messages_dropped", "reason", "queue_full") < droppedBefore + 20 && published < MAX_EVENTS) {
                published++;
                publish(GATEWAY.get(), channel, event(published));
                assertThat(fast.next("message").path("data").path("n").asInt()).isEqualTo(published);
            }
            assertThat(counter(GATEWAY.get(), "messages_dropped", "reason", "queue_full")).isGreaterThanOrEqualTo(droppedBefore + 20);

            slow.resume();
            List<Integer> received = new ArrayList<>();
            do {
                received.add(slow.next("message").path("data").path("n").asInt());
            }
            while (received.get(received.size() - 1) < published);
            // In order, the newest kept, the oldest of the queue gone; and the connection is still open.
            assertThat(received).isSorted().doesNotHaveDuplicates().endsWith(published);
            assertThat(received.size()).isLessThan(published);
            slow.request("{\"type\":\"ping\"}", "pong");
            assertThat(slow.isClosed()).isFalse();
        }
    }

    @Test
    void dropsAMessageLargerThanTheWholeQueueWithoutClosing() {
        String channel = unique("slow-close:");
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws/small", "X-User", unique("big-"))) {
            client.next("subscribed");
            client.subscribe(channel);
            long before = counter(GATEWAY.get(), "messages_dropped", "reason", "too_large");
            publish(GATEWAY.get(), channel, "\"" + "y".repeat(300 * 1024) + "\"");
            // Fan-out is asynchronous: the drop is counted when the lane gets to it.
            await().atMost(HubClient.WAIT).untilAsserted(() ->
                    assertThat(counter(GATEWAY.get(), "messages_dropped", "reason", "too_large")).isEqualTo(before + 1));
            publish(GATEWAY.get(), channel, "\"small\"");
            assertThat(client.next("message").path("data").asText()).isEqualTo("small");
        }
    }

    @Test
    void limitsSubscriptionsPerConnection() {
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws/small", "X-User", unique("eve-"))) {
            client.next("subscribed");
            String first = unique("news:");
            client.subscribe(first);
            client.subscribe(unique("news:"));
            JsonNode refused = client.request("{\"type\":\"subscribe\",\"channel\":\"third\"}", "error");
            assertThat(refused.path("code").asText()).isEqualTo("TOO_MANY_SUBSCRIPTIONS");
            assertThat(refused.path("channel").asText()).isEqualTo("third");
            client.request("{\"type\":\"unsubscribe\",\"channel\":\"" + first + "\"}", "unsubscribed");
            client.subscribe("third");
        }
    }

    @Test
    void limitsConnectionsPerUser() throws Exception {
        String dave = unique("dave-");
        List<HubClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(HubClient.connect(GATEWAY.get(), "/ws", "X-User", dave));
            }
            assertThat(HubClient.refusal(GATEWAY.get(), "/ws", "X-User", dave)).isEqualTo(429);
            // Other users and anonymous connections are not affected.
            try (HubClient other = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("erin-"));
                 HubClient anonymous = HubClient.connect(GATEWAY.get(), "/ws")) {
                other.next("subscribed");
                anonymous.next("subscribed");
            }
            clients.remove(0).close();
            await().atMost(HubClient.WAIT).untilAsserted(() -> {
                HubClient again = HubClient.connect(GATEWAY.get(), "/ws", "X-User", dave);
                clients.add(again);
            });
        }
        finally {
            clients.forEach(HubClient::close);
        }
    }

    /** A client of /ws/small subscribed to the channel. */
    private static HubClient subscriber(String channel) {
        HubClient client = HubClient.connect(GATEWAY.get(), "/ws/small", "X-User", unique("user-"));
        client.next("subscribed");
        client.subscribe(channel);
        return client;
    }

    private static String event(int n) {
        return "{\"n\":" + n + ",\"pad\":\"" + PADDING + "\"}";
    }
}
