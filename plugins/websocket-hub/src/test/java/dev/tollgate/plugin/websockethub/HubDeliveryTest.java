package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;

import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Subscriptions and delivery of bus events to real WebSocket clients through a running GATEWAY.get(). */
class HubDeliveryTest {
    @RegisterExtension
    static final StandardGateway GATEWAY = new StandardGateway();

    @Test
    void deliversEventsPublishedOnTheBusToSubscribers() throws Exception {
        String channel = unique("news:");
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient other = HubClient.connect(GATEWAY.get(), "/ws")) {
            client.next("subscribed");
            other.next("subscribed");
            JsonNode subscribed = client.subscribe(channel);
            assertThat(subscribed.has("offset")).as("a channel without history has no offset").isFalse();
            other.subscribe(channel);

            publish(GATEWAY.get(), channel, "{\"headline\":\"hello\",\"count\":2,\"tags\":[\"a\",\"b\"]}");
            for (HubClient subscriber : new HubClient[] {client, other}) {
                JsonNode message = subscriber.next("message");
                assertThat(message.path("channel").asText()).isEqualTo(channel);
                assertThat(message.path("data")).isEqualTo(HubClient.JSON.readTree("{\"headline\":\"hello\",\"count\":2,\"tags\":[\"a\",\"b\"]}"));
                assertThat(message.has("offset")).isFalse();
            }

            // Text that is not JSON arrives as a JSON string; malformed UTF-8 is replaced, not passed on.
            publish(GATEWAY.get(), channel, "plain \"text\"");
            assertThat(client.next("message").path("data").asText()).isEqualTo("plain \"text\"");
            publish(GATEWAY.get(), channel, new byte[] {'a', (byte) 0xC3, '{'});
            assertThat(client.next("message").path("data").asText()).isEqualTo("a\uFFFD{");
            publish(GATEWAY.get(), channel, "  42  ");
            assertThat(client.next("message").path("data").asInt()).isEqualTo(42);
            publish(GATEWAY.get(), channel, "{\"a\":1} {\"b\":2}");
            assertThat(client.next("message").path("data").asText()).isEqualTo("{\"a\":1} {\"b\":2}");
        }
    }

    @Test
    void subscribesTheRouteChannelsFromPathParametersAndPassesBinaryThrough() throws Exception {
        String id = unique("");
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws/simulation/" + id)) {
            assertThat(client.next("subscribed").path("channel").asText()).isEqualTo("simulation:" + id);
            assertThat(client.next("subscribed").path("channel").asText()).isEqualTo("broadcast");

            byte[] frame = {0, 1, 2, (byte) 0xFF, (byte) 0xFE, 42};
            publish(GATEWAY.get(), "simulation:" + id, frame);
            assertThat(client.nextBinary()).isEqualTo(frame);
            publish(GATEWAY.get(), "simulation:" + id, "{\"t\":1}");
            assertThat(new String(client.nextBinary(), StandardCharsets.UTF_8)).isEqualTo("{\"t\":1}");

            JsonNode refused = client.request("{\"type\":\"subscribe\",\"channel\":\"news:x\",\"id\":\"s1\"}", "error");
            assertThat(refused.path("code").asText()).isEqualTo("FORBIDDEN");
            assertThat(refused.path("id").asText()).isEqualTo("s1");
            // Another simulation's frames do not arrive.
            publish(GATEWAY.get(), "simulation:other-" + id, frame);
            client.request("{\"type\":\"ping\"}", "pong");
        }
    }

    @Test
    void broadcastReachesEveryConnection() {
        try (HubClient anonymous = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient simulation = HubClient.connect(GATEWAY.get(), "/ws/simulation/" + unique(""));
             HubClient user = HubClient.connect(GATEWAY.get(), "/ws/notifications", "X-User", unique("u"))) {
            anonymous.next("subscribed");
            simulation.next("subscribed");
            simulation.next("subscribed");
            user.next("subscribed");
            user.next("subscribed");

            publish(GATEWAY.get(), "broadcast", "{\"maintenance\":\"22:00\"}");
            for (HubClient client : new HubClient[] {anonymous, simulation, user}) {
                JsonNode message = client.next("message");
                assertThat(message.path("channel").asText()).isEqualTo("broadcast");
                assertThat(message.path("data").path("maintenance").asText()).isEqualTo("22:00");
            }
        }
    }

    @Test
    void notifiesEveryConnectionOfAUserAndNoOneElse() {
        String alice = unique("alice-");
        String bob = unique("bob-");
        try (HubClient first = HubClient.connect(GATEWAY.get(), "/ws/notifications", "X-User", alice);
             HubClient second = HubClient.connect(GATEWAY.get(), "/ws/notifications?access_token=" + alice);
             HubClient other = HubClient.connect(GATEWAY.get(), "/ws/notifications", "X-User", bob)) {
            for (HubClient client : new HubClient[] {first, second, other}) {
                assertThat(client.next("subscribed").path("channel").asText()).startsWith("user:");
                client.next("subscribed");
            }

            publish(GATEWAY.get(), "user:" + alice, "{\"text\":\"your report is ready\"}");
            for (HubClient client : new HubClient[] {first, second}) {
                JsonNode notification = client.next("notification");
                assertThat(notification.path("data").path("text").asText()).isEqualTo("your report is ready");
                assertThat(notification.path("channel").asText()).isEqualTo("user:" + alice);
            }
            // Sending is synchronous with the in-memory bus: had bob been sent anything, it would come before the pong.
            other.request("{\"type\":\"ping\"}", "pong");
        }
    }

    @Test
    void answersPingsAndEchoesRequestIds() {
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws")) {
            client.next("subscribed");
            assertThat(client.request("{\"type\":\"ping\",\"id\":\"a-1\"}", "pong").path("id").asText()).isEqualTo("a-1");
            assertThat(client.request("{\"type\":\"ping\",\"id\":7}", "pong").path("id").asInt()).isEqualTo(7);
            assertThat(client.request("{\"type\":\"ping\"}", "pong").has("id")).isFalse();
        }
    }

    @Test
    void refusesMalformedRequestsWithStableCodes() {
        String channel = unique("news:");
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws")) {
            client.next("subscribed");
            assertThat(error(client, "not json")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "[1,2]")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"channel\":\"x\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"subscribe\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"a\",\"channel\":\"b\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"$presence:x\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"" + "x".repeat(257) + "\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"a\",\"since\":\"yesterday\"}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"subscribe\",\"channel\":\"a\",\"id\":{\"x\":1}}")).isEqualTo("BAD_MESSAGE");
            assertThat(error(client, "{\"type\":\"publish\",\"channel\":\"chat:x\"}")).isEqualTo("BAD_MESSAGE");

            JsonNode unknown = client.request("{\"type\":\"dance\",\"id\":3}", "error");
            assertThat(unknown.path("code").asText()).isEqualTo("UNKNOWN_TYPE");
            assertThat(unknown.path("id").asInt()).isEqualTo(3);

            client.subscribe(channel);
            JsonNode again = client.request("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}", "error");
            assertThat(again.path("code").asText()).isEqualTo("ALREADY_SUBSCRIBED");
            assertThat(again.path("channel").asText()).isEqualTo(channel);
            assertThat(error(client, "{\"type\":\"unsubscribe\",\"channel\":\"never\"}")).isEqualTo("NOT_SUBSCRIBED");

            client.sendBinary(new byte[] {1, 2, 3});
            assertThat(client.next("error").path("code").asText()).isEqualTo("BAD_MESSAGE");
            // The connection survives every error.
            client.request("{\"type\":\"ping\"}", "pong");
        }
    }

    @Test
    void publishedNumbersArriveExactlyAsTheClientWroteThem() {
        String room = unique("chat:");
        String data = "[12345678901234567890123,0.1000000000000000000001,1e400,1.5e-400,1.0E2,-0.0]";
        try (HubClient alice = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("alice-"));
             HubClient bob = HubClient.connect(GATEWAY.get(), "/ws", "X-User", unique("bob-"))) {
            alice.next("subscribed");
            bob.next("subscribed");
            alice.subscribe(room);
            bob.request("{\"type\":\"publish\",\"channel\":\"" + room + "\",\"data\":" + data + "}", "published");
            assertThat(alice.nextText()).contains("\"data\":" + data);
        }
    }

    /** Found by {@code HubWebSocketFuzzTest}: an unpaired surrogate in an id closed the connection with 1011. */
    @Test
    void unpairedSurrogatesAreEchoedAsTheClientEscapedThem() {
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws")) {
            client.next("subscribed");
            client.send("{\"type\":\"ping\",\"id\":\"a\\ud800\"}");
            assertThat(client.nextText()).isEqualTo("{\"type\":\"pong\",\"id\":\"a\\ud800\"}");
            JsonNode unknown = client.request("{\"type\":\"\\udc00\",\"id\":\"\\udc00\"}", "error");
            assertThat(unknown.path("code").asText()).isEqualTo("UNKNOWN_TYPE");
            assertThat(unknown.path("id").asText()).isEqualTo("\udc00");
            client.request("{\"type\":\"ping\"}", "pong");
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void unsubscribingStopsDelivery() {
        String channel = unique("news:");
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws")) {
            client.next("subscribed");
            client.subscribe(channel);
            publish(GATEWAY.get(), channel, "1");
            assertThat(client.next("message").path("data").asInt()).isEqualTo(1);
            JsonNode unsubscribed = client.request("{\"type\":\"unsubscribe\",\"channel\":\"" + channel + "\",\"id\":9}", "unsubscribed");
            assertThat(unsubscribed.path("channel").asText()).isEqualTo(channel);
            assertThat(unsubscribed.path("id").asInt()).isEqualTo(9);
            publish(GATEWAY.get(), channel, "2");
            client.request("{\"type\":\"ping\"}", "pong");
            // Subscribing again works.
            client.subscribe(channel);
            publish(GATEWAY.get(), channel, "3");
            assertThat(client.next("message").path("data").asInt()).isEqualTo(3);
        }
    }

    @Test
    void reportsConnectionsInHealthAndMetrics() throws Exception {
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws")) {
            client.next("subscribed");
            var health = GATEWAY.get().gateway().health().report().components().get("websocket-hub.hub");
            assertThat(health.status().name()).isEqualTo("UP");
            assertThat((Integer) health.details().get("connections")).isGreaterThanOrEqualTo(1);
            String metrics = new String(GATEWAY.get().gateway().metrics().scrape(), StandardCharsets.UTF_8);
            assertThat(metrics).contains("tollgate_websocket_hub_connections", "tollgate_websocket_hub_messages_sent",
                    "tollgate_websocket_hub_subscriptions");
        }
    }

    private static String error(HubClient client, String request) {
        return client.request(request, "error").path("code").asText();
    }
}
