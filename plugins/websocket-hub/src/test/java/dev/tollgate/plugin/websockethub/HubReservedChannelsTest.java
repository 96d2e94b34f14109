package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Channels reserved for the gateway itself ({@code tollgate:…}, e.g. discovery-redis's
 * {@code tollgate:services:<service>:changes}), Redis's own ({@code __keyspace@0__:…}) and those of
 * {@code reserved-channels} are refused to clients whatever the permissions grant.
 */
class HubReservedChannelsTest {
    /** Permissions that grant everything to everyone: only the reservation stands in the way. */
    private static final String OPEN = """
            plugins.websocket-hub {
              channels = [ { channels = "*", presence = true } ]
              permissions = [ { channels = "*", subscribe = true, publish = true, presence = true, anonymous = true } ]
            }
            routes = [
              { path = "/ws", endpoint = hub }
              { path = "/ws/raw/{name}", endpoint = { name = hub, subscribe = ["{name}"] } }
            ]
            """;

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = HubGateways.start(OPEN);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tollgate:services:orders:changes", "tollgate:", "__keyspace@0__:tollgate:services:orders", "__redis__:invalidate"})
    void clientsCannotSubscribePublishOrSeePresenceOnReservedChannels(String channel) {
        try (HubClient client = HubClient.connect(gateway, "/ws")) {
            client.next("subscribed");
            assertRefused(client, channel);
            // The connection goes on, and other channels are as open as the permissions say.
            client.subscribe("tollgate-news");
            publish(gateway, "tollgate-news", "{\"n\":1}");
            assertThat(client.next("message").path("data").path("n").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aRouteChannelThatResolvesToAReservedOneIsRefusedBeforeTheUpgrade() throws Exception {
        assertThat(HubClient.refusal(gateway, "/ws/raw/tollgate:services:orders:changes")).isEqualTo(403);
        assertThat(HubClient.refusal(gateway, "/ws/raw/__keyevent@0__:expired")).isEqualTo(403);
        try (HubClient client = HubClient.connect(gateway, "/ws/raw/orders")) {
            assertThat(client.next("subscribed").path("channel").asText()).isEqualTo("orders");
        }
    }

    @Test
    void reservedChannelsAddChannelsOfOwnToTheReservation() throws Exception {
        try (TestGateway own = HubGateways.start(OPEN.replace("plugins.websocket-hub {", "plugins.websocket-hub {\n  reserved-channels = [ \"internal:*\" ]"));
             HubClient client = HubClient.connect(own, "/ws")) {
            client.next("subscribed");
            assertRefused(client, "internal:audit");
            assertRefused(client, "tollgate:services:orders:changes");
            assertThat(HubClient.refusal(own, "/ws/raw/internal:audit")).isEqualTo(403);
            client.subscribe("internal");
        }
    }

    private static void assertRefused(HubClient client, String channel) {
        for (String type : new String[] {"subscribe", "publish", "presence"}) {
            String data = type.equals("publish") ? ",\"data\":1" : "";
            JsonNode error = client.request("{\"type\":\"" + type + "\",\"channel\":\"" + channel + "\",\"id\":\"" + type + "\"" + data + "}",
                    "error");
            assertThat(error.path("code").asText()).as("%s %s", type, channel).isEqualTo("FORBIDDEN");
            assertThat(error.path("id").asText()).isEqualTo(type);
            assertThat(error.path("channel").asText()).isEqualTo(channel);
            assertThat(error.path("message").asText()).contains("reserved");
        }
    }

    @Test
    void aReservedBroadcastChannelStopsStartUp() {
        assertThatThrownBy(() -> HubGateways.start("""
                plugins.websocket-hub { broadcast-channel = "tollgate:broadcast" }
                routes = [ { path = "/ws", endpoint = hub } ]
                """))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("broadcast-channel")
                .hasMessageContaining("reserved");
    }
}
