package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.tollgate.plugin.websockethub.HubGateways.counter;
import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * First-message authentication through a running gateway with real WebSocket clients: the
 * route's filter is the runtime's {@code test-token-auth} ({@code Authorization: Bearer user-<name>}
 * authenticates {@code <name>}, {@code forbidden-…} is refused with 403, other tokens with 401,
 * no header passes anonymous).
 */
class HubFirstMessageAuthTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = HubGateways.start("""
                plugins.websocket-hub {
                  max-connections-per-user = 1
                  channels = [ { channels = "room:*", presence = true } ]
                  permissions = [
                    { channels = "user:{user}", subscribe = true }
                    { channels = "room:*", subscribe = true, presence = true }
                    { channels = "*", subscribe = true, anonymous = true }
                  ]
                }
                routes = [
                  { path = "/ws/notifications", filters = [ test-token-auth ],
                    endpoint = { name = hub, subscribe = ["user:{user}"], auth { first-message = true, timeout = 30s } } }
                  { path = "/ws/hurry", filters = [ test-token-auth ], endpoint = { name = hub, auth { first-message = true, timeout = 200ms } } }
                  { path = "/ws/user-header", filters = [ hub-test-auth ],
                    endpoint = { name = hub, auth { first-message = true, header = X-User, scheme = "" } } }
                  { path = "/ws/open", filters = [ test-token-auth ], endpoint = hub }
                ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void aFirstMessageTokenAuthenticatesAndTheUsersChannelsFollow() {
        String alice = unique("alice-");
        try (HubClient client = HubClient.connect(gateway, "/ws/notifications")) {
            JsonNode authenticated = client.request("{\"type\":\"auth\",\"token\":\"user-" + alice + "\",\"id\":7}", "authenticated");
            assertThat(authenticated.path("user").asText()).isEqualTo(alice);
            assertThat(authenticated.path("id").asInt()).isEqualTo(7);
            // The route's {user} channel, permitted now that there is a user, then the broadcast channel.
            assertThat(client.next("subscribed").path("channel").asText()).isEqualTo("user:" + alice);
            assertThat(client.next("subscribed").path("channel").asText()).isEqualTo("broadcast");

            publish(gateway, "user:" + alice, "{\"text\":\"your report is ready\"}");
            JsonNode notification = client.next("notification");
            assertThat(notification.path("channel").asText()).isEqualTo("user:" + alice);
            assertThat(notification.path("data").path("text").asText()).isEqualTo("your report is ready");

            // The session acts as alice: her presence, not an anonymous member.
            String room = unique("room:");
            client.subscribe(room);
            JsonNode presence = client.request("{\"type\":\"presence\",\"channel\":\"" + room + "\"}", "presence");
            assertThat(presence.path("members")).hasSize(1);
            assertThat(presence.path("members").get(0).path("user").asText()).isEqualTo(alice);
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"user:" + unique("bob-") + "\"}")).isEqualTo("FORBIDDEN");
        }
        assertThat(counter(gateway, "authentications", "result", "accepted")).isPositive();
    }

    @Test
    void aRefusedTokenIsAnsweredWithTheFiltersCodeAndClosed() {
        try (HubClient client = HubClient.connect(gateway, "/ws/notifications")) {
            JsonNode error = client.request("{\"type\":\"auth\",\"token\":\"stolen\",\"id\":\"a\"}", "error");
            assertThat(error.path("code").asText()).isEqualTo("UNAUTHORIZED");
            assertThat(error.path("message").asText()).isEqualTo("invalid token");
            assertThat(error.path("id").asText()).isEqualTo("a");
            assertThat(client.closeCode()).isEqualTo(4001);
        }
        try (HubClient client = HubClient.connect(gateway, "/ws/notifications")) {
            JsonNode error = client.request("{\"type\":\"auth\",\"token\":\"forbidden-eve\"}", "error");
            assertThat(error.path("code").asText()).isEqualTo("FORBIDDEN");
            assertThat(client.closeCode()).isEqualTo(4003);
        }
    }

    @Test
    void aConnectionThatDoesNotAuthenticateInTimeIsClosed() {
        try (HubClient client = HubClient.connect(gateway, "/ws/hurry")) {
            JsonNode error = client.next("error");
            assertThat(error.path("code").asText()).isEqualTo("UNAUTHORIZED");
            assertThat(error.path("message").asText()).contains("not authenticated within 200 ms");
            assertThat(client.closeCode()).isEqualTo(4001);
        }
        assertThat(counter(gateway, "authentications", "result", "timed_out")).isPositive();
    }

    @Test
    void onlyAuthAndPingAreTakenBeforeAuthenticating() {
        String carol = unique("carol-");
        try (HubClient client = HubClient.connect(gateway, "/ws/notifications")) {
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"news\"}")).isEqualTo("UNAUTHORIZED");
            assertThat(error(client, "{\"type\":\"publish\",\"channel\":\"news\",\"data\":1}")).isEqualTo("UNAUTHORIZED");
            assertThat(error(client, "{\"type\":\"presence\",\"channel\":\"news\"}")).isEqualTo("UNAUTHORIZED");
            assertThat(error(client, "{\"type\":\"auth\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"auth\",\"token\":\"user-x\\r\\nX-Admin: 1\"}")).isEqualTo("BAD_MESSAGE");
            client.request("{\"type\":\"ping\",\"id\":1}", "pong");
            assertThat(client.isClosed()).isFalse();

            client.request("{\"type\":\"auth\",\"token\":\"user-" + carol + "\"}", "authenticated");
            client.next("subscribed");
            client.next("subscribed");
            client.subscribe("news");
            // Authenticated once for the life of the connection.
            assertThat(error(client, "{\"type\":\"auth\",\"token\":\"user-" + unique("dave-") + "\"}")).isEqualTo("ALREADY_AUTHENTICATED");
            client.request("{\"type\":\"ping\"}", "pong");
        }
    }

    @Test
    void aConnectionAuthenticatedAtTheUpgradeNeedsNoMessageAndCannotChangeUser() throws Exception {
        String erin = unique("erin-");
        try (HubClient client = HubClient.connect(gateway, "/ws/notifications", "Authorization", "Bearer user-" + erin)) {
            assertThat(client.next("subscribed").path("channel").asText()).isEqualTo("user:" + erin);
            client.next("subscribed");
            assertThat(error(client, "{\"type\":\"auth\",\"token\":\"user-" + unique("mallory-") + "\"}")).isEqualTo("ALREADY_AUTHENTICATED");
            publish(gateway, "user:" + erin, "{\"n\":1}");
            assertThat(client.next("notification").path("data").path("n").asInt()).isEqualTo(1);
        }
        // A header the filters refuse still refuses the upgrade.
        assertThat(HubClient.refusal(gateway, "/ws/notifications", "Authorization", "Bearer stolen")).isEqualTo(401);
    }

    @Test
    void theUserLimitCountsFirstMessageConnections() {
        String frank = unique("frank-");
        try (HubClient first = HubClient.connect(gateway, "/ws/notifications", "Authorization", "Bearer user-" + frank)) {
            first.next("subscribed");
            try (HubClient second = HubClient.connect(gateway, "/ws/notifications")) {
                JsonNode error = second.request("{\"type\":\"auth\",\"token\":\"user-" + frank + "\"}", "error");
                assertThat(error.path("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
                assertThat(second.closeCode()).isEqualTo(4029);
            }
        }
        // Once the first connection's close has reached the hub, frank may authenticate again.
        await().atMost(HubClient.WAIT).untilAsserted(() -> {
            try (HubClient again = HubClient.connect(gateway, "/ws/notifications")) {
                again.request("{\"type\":\"auth\",\"token\":\"user-" + frank + "\"}", "authenticated");
            }
        });
    }

    @Test
    void theTokenGoesInTheConfiguredHeaderWithTheConfiguredScheme() {
        String grace = unique("grace-");
        try (HubClient client = HubClient.connect(gateway, "/ws/user-header")) {
            assertThat(client.request("{\"type\":\"auth\",\"token\":\"" + grace + "\"}", "authenticated").path("user").asText())
                    .isEqualTo(grace);
        }
    }

    @Test
    void routesWithoutFirstMessageAuthenticationRefuseIt() {
        try (HubClient client = HubClient.connect(gateway, "/ws/open")) {
            client.next("subscribed");
            assertThat(error(client, "{\"type\":\"auth\",\"token\":\"user-" + unique("heidi-") + "\"}")).isEqualTo("FORBIDDEN");
            client.subscribe("news");
        }
    }

    private static String error(HubClient client, String request) {
        return client.request(request, "error").path("code").asText();
    }
}
