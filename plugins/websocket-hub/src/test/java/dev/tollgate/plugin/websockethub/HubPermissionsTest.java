package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Channel permissions: users, roles and anonymous connections, for subscribing and publishing. */
class HubPermissionsTest {
    @RegisterExtension
    static final StandardGateway GATEWAY = new StandardGateway();

    @Test
    void userChannelsBelongToTheirUser() {
        String alice = unique("alice-");
        try (HubClient anonymous = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient owner = HubClient.connect(GATEWAY.get(), "/ws", "X-User", alice);
             HubClient stranger = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("mallory-"))) {
            anonymous.next("subscribed");
            owner.next("subscribed");
            stranger.next("subscribed");

            assertThat(refusal(anonymous, "subscribe", "user:" + alice)).isEqualTo("FORBIDDEN");
            assertThat(refusal(stranger, "subscribe", "user:" + alice)).isEqualTo("FORBIDDEN");
            // The * rule after user:{user} does not reopen user channels.
            assertThat(refusal(anonymous, "subscribe", "user:" + alice + ":drafts")).isEqualTo("FORBIDDEN");
            assertThat(refusal(owner, "subscribe", "user:" + alice + ":drafts")).isEqualTo("FORBIDDEN");
            owner.subscribe("user:" + alice);
            publish(GATEWAY.get(), "user:" + alice, "{\"n\":1}");
            assertThat(owner.next("notification").path("data").path("n").asInt()).isEqualTo(1);
        }
    }

    @Test
    void rolesDecideOnRoleChannels() {
        String channel = unique("admin:");
        try (HubClient admin = HubClient.connect(GATEWAY.get(), "/ws?access_token=" + unique("root-") + "&roles=ops,admin");
             HubClient user = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("alice-"), "X-Roles", "ops");
             HubClient anonymous = HubClient.connect(GATEWAY.get(), "/ws")) {
            admin.next("subscribed");
            user.next("subscribed");
            anonymous.next("subscribed");

            assertThat(refusal(user, "subscribe", channel)).isEqualTo("FORBIDDEN");
            assertThat(refusal(anonymous, "subscribe", channel)).isEqualTo("FORBIDDEN");
            assertThat(refusal(user, "presence", channel)).isEqualTo("FORBIDDEN");
            admin.subscribe(channel);
            admin.send("{\"type\":\"publish\",\"channel\":\"" + channel + "\",\"data\":{\"alert\":true},\"id\":\"p\"}");
            // The publisher is a subscriber too: its copy and the acknowledgement come in either order.
            Map<String, JsonNode> replies = byType(admin.next(), admin.next());
            assertThat(replies.get("published").path("id").asText()).isEqualTo("p");
            assertThat(replies.get("message").path("data").path("alert").asBoolean()).isTrue();
            assertThat(refusal(user, "publish", channel)).isEqualTo("FORBIDDEN");
        }
    }

    @Test
    void authenticatedChannelsRefuseAnonymousConnections() {
        String room = unique("chat:");
        try (HubClient anonymous = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient alice = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("alice-"));
             HubClient bob = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("bob-"))) {
            anonymous.next("subscribed");
            alice.next("subscribed");
            bob.next("subscribed");

            assertThat(refusal(anonymous, "subscribe", room)).isEqualTo("FORBIDDEN");
            alice.subscribe(room);
            bob.subscribe(room);
            bob.send("{\"type\":\"publish\",\"channel\":\"" + room + "\",\"data\":[1,\"two\"]}");
            Map<String, JsonNode> replies = byType(bob.next(), bob.next());
            assertThat(replies.get("published").path("channel").asText()).isEqualTo(room);
            for (JsonNode message : List.of(replies.get("message"), alice.next("message"))) {
                assertThat(message.path("channel").asText()).isEqualTo(room);
                assertThat(message.path("data").toString()).isEqualTo("[1,\"two\"]");
            }
            assertThat(refusal(anonymous, "publish", room)).isEqualTo("FORBIDDEN");
        }
    }

    @Test
    void publishingNeedsTheRight() {
        String channel = unique("news:");
        try (HubClient anonymous = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient alice = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("alice-"))) {
            anonymous.next("subscribed");
            alice.next("subscribed");
            anonymous.subscribe(channel);
            // The * rule grants subscribe and presence, not publish.
            assertThat(refusal(anonymous, "publish", channel)).isEqualTo("FORBIDDEN");
            assertThat(refusal(alice, "publish", channel)).isEqualTo("FORBIDDEN");
            assertThat(refusal(alice, "publish", "user:someone-else")).isEqualTo("FORBIDDEN");
            anonymous.request("{\"type\":\"ping\"}", "pong");
        }
    }

    @Test
    void routeChannelsAreCheckedBeforeTheUpgrade() throws Exception {
        // No principal: user:{user} cannot be filled.
        assertThat(HubClient.refusal(GATEWAY.get(), "/ws/notifications")).isEqualTo(401);
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws/notifications", "X-User", unique("carol-"))) {
            assertThat(client.next("subscribed").path("channel").asText()).startsWith("user:carol-");
        }
        // Not an upgrade at all.
        HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(GATEWAY.get().http("/ws")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(plain.body()).contains("BAD_REQUEST");
    }

    private static Map<String, JsonNode> byType(JsonNode... messages) {
        Map<String, JsonNode> byType = new HashMap<>();
        for (JsonNode message : messages) {
            byType.put(message.path("type").asText(), message);
        }
        assertThat(byType).hasSize(messages.length);
        return byType;
    }

    private static String refusal(HubClient client, String type, String channel) {
        String data = type.equals("publish") ? ",\"data\":1" : "";
        JsonNode error = client.request("{\"type\":\"" + type + "\",\"channel\":\"" + channel + "\"" + data + "}", "error");
        assertThat(error.path("channel").asText()).isEqualTo(channel);
        return error.path("code").asText();
    }
}
