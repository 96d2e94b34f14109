package dev.tollgate.plugin.websockethub;

import dev.tollgate.runtime.ReloadResult;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub across configuration reloads: its connections live in the plugin-wide hub (a shared
 * resource) and their routes' endpoints, so a reload that leaves a hub route alone keeps its
 * connections open and subscribed; a hub route that changed drains and then closes its
 * connections with 1001, and clients reconnect to the new one.
 */
class HubReloadTest {
    private static final String SETTINGS = """
            plugins.websocket-hub.permissions = [ { channels = "*", subscribe = true, anonymous = true } ]
            """;

    private static String routes(String extra, String changing) {
        return SETTINGS + """
                routes = [
                  { id = kept, path = "/ws", endpoint = hub }
                  { id = changing, path = "/ws/changing", endpoint = %s }
                  %s
                ]
                """.formatted(changing, extra);
    }

    @Test
    void connectionsOfUnchangedRoutesSurviveAndThoseOfChangedRoutesCloseWithGoingAway() throws Exception {
        String channel = HubGateways.unique("reload");
        try (TestGateway gateway = HubGateways.start(routes("", "hub"));
             HubClient kept = HubClient.connect(gateway, "/ws");
             HubClient changing = HubClient.connect(gateway, "/ws/changing")) {
            kept.next("subscribed");
            changing.next("subscribed");
            kept.subscribe(channel);
            changing.subscribe(channel);

            ReloadResult added = gateway.reload(routes("{ path = \"/other\", endpoint = test-echo }", "hub"));
            assertThat(added.applied()).as(added.message()).isTrue();
            HubGateways.publish(gateway, channel, "after the first reload");
            assertThat(kept.next("message").path("data").asText()).isEqualTo("after the first reload");
            assertThat(changing.next("message").path("data").asText()).isEqualTo("after the first reload");

            ReloadResult changed = gateway.reload(routes("", "{ name = hub, max-subscriptions = 5 }"));
            assertThat(changed.applied()).as(changed.message()).isTrue();
            assertThat(changing.closeCode()).as("the changed route's connection").isEqualTo(1001);
            HubGateways.publish(gateway, channel, "after the second reload");
            assertThat(kept.next("message").path("data").asText()).isEqualTo("after the second reload");
            assertThat(kept.isClosed()).isFalse();

            try (HubClient reconnected = HubClient.connect(gateway, "/ws/changing")) {
                reconnected.next("subscribed");
                reconnected.subscribe(channel);
                HubGateways.publish(gateway, channel, "to both");
                assertThat(reconnected.next("message").path("data").asText()).isEqualTo("to both");
                assertThat(kept.next("message").path("data").asText()).isEqualTo("to both");
            }
            assertThat(gateway.gateway().platform().sharedResources()).containsEntry("websocket-hub", 1);
        }
    }
}
