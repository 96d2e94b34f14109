package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fan-out lanes through a running gateway and real WebSocket clients: a channel bigger than a
 * chunk is spread over several lanes and every subscriber still gets its events in order; lanes
 * that cannot keep up drop events for whole chunks, counted, instead of queueing them.
 */
class HubFanOutTest {

    @Test
    void everySubscriberGetsAChannelInOrderWhenItsChunksRunOnSeveralLanes() throws Exception {
        // 20 subscribers in chunks of 3: 7 chunks over 4 lanes.
        try (TestGateway gateway = HubGateways.start("""
                plugins.websocket-hub.fan-out { lanes = 4, chunk-size = 3, inline-limit = 0 }
                routes = [ { path = "/ws", endpoint = hub } ]
                """)) {
            String channel = HubGateways.unique("ordered:");
            List<HubClient> clients = subscribers(gateway, channel, 20);
            try {
                int events = 300;
                for (int n = 1; n <= events; n++) {
                    HubGateways.publish(gateway, channel, "{\"n\":" + n + "}");
                }
                for (HubClient client : clients) {
                    List<Integer> received = new ArrayList<>();
                    for (int n = 1; n <= events; n++) {
                        received.add(client.next("message").path("data").path("n").asInt());
                    }
                    assertThat(received).as("what one subscriber received").isSorted().doesNotHaveDuplicates().hasSize(events);
                }
                assertThat(HubGateways.counter(gateway, "messages_dropped", "reason", "fan_out_full")).isZero();
                assertThat(health(gateway).status()).isEqualTo(Health.Status.UP);
            }
            finally {
                clients.forEach(HubClient::close);
            }
        }
    }

    @Test
    void lanesThatCannotKeepUpDropEventsForWholeChunksAndCountThem() throws Exception {
        // One lane that holds one message, and a chunk per subscriber: each event is 20 tasks at once,
        // far more than the lane takes while it writes to the first subscriber.
        try (TestGateway gateway = HubGateways.start("""
                plugins.websocket-hub {
                  fan-out { lanes = 1, chunk-size = 1, queue-messages = 1, inline-limit = 0 }
                  channels = [ { channels = "burst:*", slow-consumer = drop-oldest } ]
                }
                routes = [ { path = "/ws", endpoint = hub } ]
                """)) {
            String channel = HubGateways.unique("burst:");
            int subscribers = 20;
            List<HubClient> clients = subscribers(gateway, channel, subscribers);
            try {
                // Each client got two replies (the broadcast channel's subscribed at connect, then its
                // own); the counter may lag the last reply a client already read, so wait for both.
                long sentBefore = 2L * subscribers;
                await("the replies counted").atMost(HubClient.WAIT)
                        .until(() -> HubGateways.counter(gateway, "messages_sent") == sentBefore);
                int events = 500;
                for (int n = 1; n <= events; n++) {
                    HubGateways.publish(gateway, channel, "{\"n\":" + n + "}");
                }

                // Every event reached each subscriber or was counted as dropped for it: nothing is left queued.
                await("every delivery sent or dropped").atMost(HubClient.WAIT).untilAsserted(() -> assertThat(
                        HubGateways.counter(gateway, "messages_sent") - sentBefore
                                + HubGateways.counter(gateway, "messages_dropped", "reason", "fan_out_full"))
                        .isEqualTo((long) events * subscribers));
                long dropped = HubGateways.counter(gateway, "messages_dropped", "reason", "fan_out_full");
                long sent = HubGateways.counter(gateway, "messages_sent") - sentBefore;
                assertThat(dropped).as("deliveries dropped by the full lane").isPositive();
                assertThat(gauge(gateway, "fan_out_queued_messages")).isZero();
                Health health = health(gateway);
                assertThat(health.status()).isEqualTo(Health.Status.DEGRADED);
                assertThat((String) health.details().get("reason")).contains("fan-out lanes were full");
                assertThat(health.details()).containsEntry("fanOutDroppedMessages", dropped);

                // What each client got is in order, and the clients together got exactly what was sent.
                List<List<Integer>> received = new ArrayList<>();
                clients.forEach(client -> received.add(new ArrayList<>()));
                await("the sent messages received").atMost(HubClient.WAIT).until(() -> {
                    long total = 0;
                    for (int i = 0; i < subscribers; i++) {
                        for (Object message : clients.get(i).drain()) {
                            received.get(i).add(HubClient.JSON.readTree((String) message).path("data").path("n").asInt());
                        }
                        total += received.get(i).size();
                    }
                    return total == sent;
                });
                for (List<Integer> one : received) {
                    assertThat(one).isSorted().doesNotHaveDuplicates();
                }
                // The connections are still open and answer.
                for (HubClient client : clients) {
                    client.request("{\"type\":\"ping\"}", "pong");
                }
            }
            finally {
                clients.forEach(HubClient::close);
            }
        }
    }

    private static List<HubClient> subscribers(TestGateway gateway, String channel, int count) {
        List<HubClient> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HubClient client = HubClient.connect(gateway, "/ws");
            clients.add(client);
            client.next("subscribed");
            client.subscribe(channel);
        }
        return clients;
    }

    private static Health health(TestGateway gateway) {
        return gateway.gateway().health().report().components().get("websocket-hub.hub");
    }

    private static long gauge(TestGateway gateway, String name) {
        return ((Number) gateway.gateway().metrics().registry().getGauges().get("tollgate.websocket_hub." + name).getValue()).longValue();
    }
}
