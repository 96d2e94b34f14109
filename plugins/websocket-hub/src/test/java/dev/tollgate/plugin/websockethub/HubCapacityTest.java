package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.testing.RawWebSocket;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The instance's connection cap, and its queue budget once queues really hold it, answer 503
 * before upgrading; stopping closes with 1001.
 */
class HubCapacityTest {

    @Test
    void refusesUpgradesBeyondTheConnectionCapWith503() throws Exception {
        try (TestGateway gateway = HubGateways.start("""
                plugins.websocket-hub { max-connections = 2 }
                routes = [ { path = "/ws", endpoint = hub }, { path = "/other", endpoint = hub } ]
                """)) {
            List<HubClient> clients = new ArrayList<>();
            try {
                clients.add(HubClient.connect(gateway, "/ws"));
                clients.add(HubClient.connect(gateway, "/other"));
                // The cap is the instance's, over every hub route.
                assertThat(HubClient.refusal(gateway, "/ws")).isEqualTo(503);
                assertThat(HubClient.refusal(gateway, "/other")).isEqualTo(503);
                assertThat(health(gateway).status()).isEqualTo(Health.Status.DEGRADED);

                clients.remove(0).close();
                await().atMost(HubClient.WAIT).untilAsserted(() -> clients.add(HubClient.connect(gateway, "/ws")));
                clients.get(1).next("subscribed");
            }
            finally {
                clients.forEach(HubClient::close);
            }
            await().atMost(HubClient.WAIT).untilAsserted(() -> assertThat(health(gateway).status()).isEqualTo(Health.Status.UP));
        }
    }

    @Test
    void theDefaultBudgetAdmitsFarMoreIdleConnectionsThanItHasFullQueues() throws Exception {
        // The defaults: a 256 MiB budget and 1 MiB queues. Idle connections hold almost nothing queued,
        // so they must not use the budget up after 256 of them.
        int count = 1000;
        try (TestGateway gateway = HubGateways.start("routes = [ { path = \"/ws\", endpoint = hub } ]")) {
            List<RawWebSocket> sockets = Collections.synchronizedList(new ArrayList<>(count));
            ExecutorService openers = Executors.newFixedThreadPool(8);
            try {
                // Opened by a few threads at once, then held without reading (no thread per socket).
                List<Future<?>> opened = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    opened.add(openers.submit(() -> sockets.add(RawWebSocket.connect(gateway.ws("/ws")))));
                }
                for (Future<?> open : opened) {
                    try {
                        open.get();
                    }
                    catch (ExecutionException e) {
                        throw new AssertionError("a connection was refused after " + sockets.size() + " of " + count + " were admitted",
                                e.getCause());
                    }
                }
                await().atMost(HubClient.WAIT).untilAsserted(() -> assertThat(health(gateway).details()).containsEntry("connections", count));
                assertThat(health(gateway).status()).isEqualTo(Health.Status.UP);
                assertThat((long) health(gateway).details().get("queueBudgetReservedBytes")).isLessThanOrEqualTo(count * 16L * 1024);
                assertThat(HubGateways.counter(gateway, "connections_refused", "reason", "queue_budget")).isZero();
                // Still room: a client that reads gets what it asks for.
                try (HubClient client = HubClient.connect(gateway, "/ws")) {
                    client.next("subscribed");
                    client.request("{\"type\":\"ping\"}", "pong");
                }
            }
            finally {
                openers.shutdownNow();
                for (RawWebSocket socket : sockets) {
                    socket.close();
                }
            }
            await().atMost(HubClient.WAIT).untilAsserted(() -> assertThat(health(gateway).details())
                    .containsEntry("connections", 0).containsEntry("queueBudgetReservedBytes", 0L));
        }
    }

    @Test
    void refusesUpgradesWhenQueuesReallyFillTheBudget() throws Exception {
        // Three clients that stop reading, on a channel that keeps them open (drop-oldest), can fill
        // 3 × 512 KiB of queues: more than the 1 MiB budget.
        try (TestGateway gateway = HubGateways.start("""
                plugins.websocket-hub {
                  queue-budget = 1MiB
                  channels = [ { channels = "fill:*", slow-consumer = drop-oldest } ]
                }
                routes = [ { path = "/ws", endpoint = { name = hub, max-queued-bytes = 512KiB } } ]
                """)) {
            List<HubClient> stuck = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    HubClient client = HubClient.connect(gateway, "/ws");
                    client.next("subscribed");
                    client.subscribe("fill:1");
                    client.pause();
                    stuck.add(client);
                }
                // While the queues are empty there is room for more.
                try (HubClient more = HubClient.connect(gateway, "/ws")) {
                    more.next("subscribed");
                }
                String padding = "x".repeat(8 * 1024);
                for (int n = 1; n <= 5000 && HubGateways.counter(gateway, "messages_dropped", "reason", "queue_budget") == 0; n++) {
                    HubGateways.publish(gateway, "fill:1", "{\"n\":" + n + ",\"pad\":\"" + padding + "\"}");
                }
                await().atMost(HubClient.WAIT).untilAsserted(() ->
                        assertThat(HubGateways.counter(gateway, "messages_dropped", "reason", "queue_budget")).isPositive());
                assertThat((long) health(gateway).details().get("queueBudgetReservedBytes")).isLessThanOrEqualTo(1024 * 1024);
                assertThat(HubClient.refusal(gateway, "/ws")).isEqualTo(503);
                assertThat(HubGateways.counter(gateway, "connections_refused", "reason", "queue_budget")).isEqualTo(1);
                assertThat(health(gateway).status()).isEqualTo(Health.Status.DEGRADED);

                // Once they read again, their queues drain and give the budget back.
                stuck.forEach(HubClient::resume);
                await().atMost(HubClient.WAIT).untilAsserted(() -> {
                    try (HubClient again = HubClient.connect(gateway, "/ws")) {
                        again.next("subscribed");
                    }
                });
            }
            finally {
                stuck.forEach(HubClient::close);
            }
        }
    }

    @Test
    void aSlowConsumerThatNeverReadsAgainIsCutOffByTheIdleTimeoutAndItsShareReleased() throws Exception {
        try (TestGateway gateway = HubGateways.start("""
                routes = [ { path = "/ws", endpoint = { name = hub, max-queued-messages = 8, max-queued-bytes = 256KiB, idle-timeout = 2s, ping-interval = 1s } } ]
                """)) {
            try (HubClient stuck = HubClient.connect(gateway, "/ws")) {
                stuck.next("subscribed");
                stuck.subscribe("frames");
                stuck.pause();
                String padding = "x".repeat(8 * 1024);
                for (int n = 1; n <= 5000 && HubGateways.counter(gateway, "slow_consumer_closes") == 0; n++) {
                    HubGateways.publish(gateway, "frames", "{\"n\":" + n + ",\"pad\":\"" + padding + "\"}");
                }
                // Fan-out is asynchronous: the close comes when the lane gets to the event that overflowed.
                await().atMost(HubClient.WAIT).untilAsserted(() ->
                        assertThat(HubGateways.counter(gateway, "slow_consumer_closes")).isEqualTo(1));
                // Its close waits behind the queued messages it never reads; the idle timeout ends it.
                await().atMost(HubClient.WAIT).untilAsserted(() -> assertThat(health(gateway).details())
                        .containsEntry("connections", 0).containsEntry("queueBudgetReservedBytes", 0L).containsEntry("channels", 0));
            }
        }
    }

    @Test
    void aRouteQueueLargerThanTheBudgetStopsStartUp() {
        assertThatThrownBy(() -> HubGateways.start("""
                plugins.websocket-hub { queue-budget = 1MiB }
                routes = [ { path = "/ws", endpoint = { name = hub, max-queued-bytes = 2MiB } } ]
                """))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].endpoint.max-queued-bytes")
                .hasMessageContaining("queue-budget");
    }

    @Test
    void stoppingTheGatewayClosesConnectionsWithGoingAway() throws Exception {
        TestGateway gateway = HubGateways.start("routes = [ { path = \"/ws\", endpoint = hub } ]");
        try (HubClient client = HubClient.connect(gateway, "/ws")) {
            client.next("subscribed");
            gateway.close();
            assertThat(client.closeCode()).isEqualTo(1001);
        }
    }

    private static Health health(TestGateway gateway) {
        return gateway.gateway().health().report().components().get("websocket-hub.hub");
    }
}
