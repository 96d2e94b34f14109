package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The instance's connection cap and queue budget answer 503 before upgrading; stopping closes with 1001. */
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
    void refusesUpgradesWhenTheQueueBudgetIsUsedUp() throws Exception {
        try (TestGateway gateway = HubGateways.start("""
                plugins.websocket-hub { queue-budget = 2MiB }
                routes = [ { path = "/ws", endpoint = { name = hub, max-queued-bytes = 1MiB } } ]
                """)) {
            try (HubClient first = HubClient.connect(gateway, "/ws");
                 HubClient second = HubClient.connect(gateway, "/ws")) {
                first.next("subscribed");
                second.next("subscribed");
                assertThat(HubClient.refusal(gateway, "/ws")).isEqualTo(503);
                assertThat(health(gateway).details()).containsEntry("queueBudgetReservedBytes", 2L * 1024 * 1024);
            }
        }
    }

    @Test
    void aSlowConsumerThatNeverReadsAgainIsCutOffByTheIdleTimeoutAndItsShareReleased() throws Exception {
        try (TestGateway gateway = HubGateways.start("""
                routes = [ { path = "/ws", endpoint = { name = hub, max-queued-messages = 8, max-queued-bytes = 256KiB, idle-timeout = 2s } } ]
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
