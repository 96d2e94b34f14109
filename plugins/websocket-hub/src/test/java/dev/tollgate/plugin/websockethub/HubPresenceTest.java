package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Presence through the bus: joining on subscribe, leaving on unsubscribe and close, queries and events. */
class HubPresenceTest {
    @RegisterExtension
    static final StandardGateway GATEWAY = new StandardGateway();

    @Test
    void subscribersArePresentAndWatchersSeeThemJoinAndLeave() {
        String project = unique("p");
        String channel = "collaboration:" + project;
        String alice = unique("alice-");
        String bob = unique("bob-");
        String carol = unique("carol-");
        try (HubClient aliceClient = HubClient.connect(GATEWAY.get(), "/ws/collaboration/" + project, "X-User", alice);
             HubClient watcher = HubClient.connect(GATEWAY.get(), "/ws", "X-User", bob)) {
            assertThat(aliceClient.next("subscribed").path("channel").asText()).isEqualTo(channel);
            aliceClient.next("subscribed");
            watcher.next("subscribed");

            watcher.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"presence\":true,\"id\":1}");
            assertThat(watcher.next("subscribed").path("id").asInt()).isEqualTo(1);
            JsonNode ownJoin = watcher.next("join");
            assertThat(ownJoin.path("channel").asText()).isEqualTo(channel);
            assertThat(ownJoin.path("member").path("user").asText()).isEqualTo(bob);
            assertThat(ownJoin.path("member").path("info").has("since")).isTrue();

            HubClient carolClient = HubClient.connect(GATEWAY.get(), "/ws/collaboration/" + project, "X-User", carol);
            carolClient.next("subscribed");
            JsonNode join = watcher.next("join");
            assertThat(join.path("member").path("user").asText()).isEqualTo(carol);
            assertThat(users(watcher.request("{\"type\":\"presence\",\"channel\":\"" + channel + "\",\"id\":\"q\"}", "presence")))
                    .containsExactlyInAnyOrder(alice, bob, carol);

            carolClient.close();
            JsonNode leave = watcher.next("leave");
            assertThat(leave.path("member").path("user").asText()).isEqualTo(carol);
            assertThat(leave.path("member").path("id").asText()).isEqualTo(join.path("member").path("id").asText());
            assertThat(users(watcher.request("{\"type\":\"presence\",\"channel\":\"" + channel + "\"}", "presence")))
                    .containsExactlyInAnyOrder(alice, bob);

            watcher.request("{\"type\":\"unsubscribe\",\"channel\":\"" + channel + "\"}", "unsubscribed");
            try (HubClient anonymous = HubClient.connect(GATEWAY.get(), "/ws")) {
                anonymous.next("subscribed");
                JsonNode members = anonymous.request("{\"type\":\"presence\",\"channel\":\"" + channel + "\"}", "presence");
                assertThat(users(members)).containsExactly(alice);
                assertThat(members.path("members").get(0).path("id").asText()).isNotEmpty();
            }
            // The watcher no longer watches: its next message is the answer to its ping.
            watcher.request("{\"type\":\"ping\"}", "pong");
        }
    }

    @Test
    void presenceIsOnlyForChannelsThatEnableIt() {
        String channel = unique("news:");
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws")) {
            client.next("subscribed");
            assertThat(client.request("{\"type\":\"presence\",\"channel\":\"" + channel + "\"}", "error").path("code").asText())
                    .isEqualTo("PRESENCE_DISABLED");
            assertThat(client.request("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"presence\":true}", "error")
                    .path("code").asText()).isEqualTo("PRESENCE_DISABLED");
            // Subscribing without watching works, and does not make the connection present anywhere.
            client.subscribe(channel);
            assertThat(client.request("{\"type\":\"presence\",\"channel\":\"collaboration:" + unique("") + "\"}", "presence")
                    .path("members").size()).isZero();
        }
    }

    private static List<String> users(JsonNode presence) {
        List<String> users = new ArrayList<>();
        presence.path("members").forEach(member -> users.add(member.path("user").asText()));
        return users;
    }
}
