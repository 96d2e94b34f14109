package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tollgate.plugin.websockethub.HubGateways.publish;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * History and recovery with {@code since}, on the in-memory bus's history
 * ({@code GATEWAY.get().events.local.history}: 5 events on {@code history:*}, 10000 on {@code recovery:*}).
 */
class HubRecoveryTest {
    @RegisterExtension
    static final StandardGateway GATEWAY = new StandardGateway();

    @Test
    void messagesAndSubscribedRepliesCarryOffsets() {
        String channel = unique("history:");
        try (HubClient first = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient second = HubClient.connect(GATEWAY.get(), "/ws")) {
            first.next("subscribed");
            second.next("subscribed");
            assertThat(first.subscribe(channel).path("offset").asText()).isEqualTo("0-0");
            publish(GATEWAY.get(), channel, "{\"n\":1}");
            JsonNode message = first.next("message");
            String offset = message.path("offset").asText();
            assertThat(offset).matches("\\d+-1");
            assertThat(second.subscribe(channel).path("offset").asText()).isEqualTo(offset);
        }
    }

    @Test
    void recoversMissedEventsInOrderBeforeLiveOnes() {
        String channel = unique("recovery:");
        try (HubClient live = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient late = HubClient.connect(GATEWAY.get(), "/ws")) {
            live.next("subscribed");
            late.next("subscribed");
            live.subscribe(channel);
            List<String> offsets = publishNumbers(live, channel, 5);

            late.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"since\":\"" + offsets.get(1) + "\",\"id\":\"r\"}");
            JsonNode subscribed = late.next("subscribed");
            assertThat(subscribed.path("recovered").asBoolean()).isTrue();
            assertThat(subscribed.path("id").asText()).isEqualTo("r");
            assertThat(subscribed.path("offset").asText()).isEqualTo(offsets.get(4));
            for (int n = 3; n <= 5; n++) {
                JsonNode message = late.next("message");
                assertThat(message.path("data").asInt()).isEqualTo(n);
                assertThat(message.path("offset").asText()).isEqualTo(offsets.get(n - 1));
            }
            publish(GATEWAY.get(), channel, "6");
            assertThat(late.next("message").path("data").asInt()).isEqualTo(6);
            assertThat(live.next("message").path("data").asInt()).isEqualTo(6);
            late.request("{\"type\":\"ping\"}", "pong");

            // Nothing missed: recovering from the latest offset delivers nothing but live events.
            try (HubClient upToDate = HubClient.connect(GATEWAY.get(), "/ws")) {
                upToDate.next("subscribed");
                publish(GATEWAY.get(), channel, "7");
                String offset7 = live.next("message").path("offset").asText();
                upToDate.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"since\":\"" + offset7 + "\"}");
                assertThat(upToDate.next("subscribed").path("recovered").asBoolean()).isTrue();
                publish(GATEWAY.get(), channel, "8");
                assertThat(upToDate.next("message").path("data").asInt()).isEqualTo(8);
            }
        }
    }

    @Test
    void reportsARecoveryGapAndStaysSubscribed() {
        String channel = unique("history:");
        try (HubClient live = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient late = HubClient.connect(GATEWAY.get(), "/ws")) {
            live.next("subscribed");
            late.next("subscribed");
            live.subscribe(channel);
            List<String> offsets = publishNumbers(live, channel, 8);
            // Only the last 5 are kept: recovering from the first one cannot be complete.
            late.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"since\":\"" + offsets.get(0) + "\",\"id\":4}");
            JsonNode gap = late.next("error");
            assertThat(gap.path("code").asText()).isEqualTo("RECOVERY_GAP");
            assertThat(gap.path("channel").asText()).isEqualTo(channel);
            assertThat(gap.path("id").asInt()).isEqualTo(4);
            JsonNode subscribed = late.next("subscribed");
            assertThat(subscribed.path("recovered").asBoolean()).isFalse();
            assertThat(subscribed.path("offset").asText()).isEqualTo(offsets.get(7));
            publish(GATEWAY.get(), channel, "9");
            assertThat(late.next("message").path("data").asInt()).isEqualTo(9);

            // A channel without history cannot recover either.
            String plain = unique("news:");
            late.send("{\"type\":\"subscribe\",\"channel\":\"" + plain + "\",\"since\":\"" + offsets.get(0) + "\"}");
            assertThat(late.next("error").path("code").asText()).isEqualTo("RECOVERY_GAP");
            assertThat(late.next("subscribed").path("recovered").asBoolean()).isFalse();
        }
    }

    @Test
    void losesAndRepeatsNothingWhileEventsKeepArriving() throws Exception {
        String channel = unique("recovery:");
        Map<Integer, String> offsets = new ConcurrentHashMap<>();
        AtomicInteger published = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        try (HubClient live = HubClient.connect(GATEWAY.get(), "/ws");
             HubClient late = HubClient.connect(GATEWAY.get(), "/ws")) {
            live.next("subscribed");
            late.next("subscribed");
            live.subscribe(channel);
            // The publisher asks for the late subscription after event 20 and keeps publishing while
            // the hub serves it; it waits for the live client to receive each event, so no queue
            // fills up. The history (10000) outlasts the 2000 events it publishes at most.
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                for (int n = 1; n <= 2000 && !stop.get(); n++) {
                    publish(GATEWAY.get(), channel, String.valueOf(n));
                    JsonNode message = live.next("message");
                    offsets.put(message.path("data").asInt(), message.path("offset").asText());
                    published.set(n);
                    if (n == 20) {
                        late.send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"since\":\"" + offsets.get(10) + "\"}");
                    }
                }
            });
            assertThat(late.next("subscribed").path("recovered").asBoolean()).isTrue();
            List<Integer> received = new ArrayList<>();
            while (received.size() < 100) {
                received.add(late.next("message").path("data").asInt());
            }
            stop.set(true);
            publisher.get(HubClient.WAIT.toSeconds(), TimeUnit.SECONDS);
            int last = published.get();
            while (received.get(received.size() - 1) < last) {
                received.add(late.next("message").path("data").asInt());
            }
            List<Integer> expected = new ArrayList<>();
            for (int n = 11; n <= last; n++) {
                expected.add(n);
            }
            assertThat(received).isEqualTo(expected);
        }
    }

    @Test
    void routeChannelsRecoverFromTheSinceQueryParameter() {
        String name = unique("t");
        String channel = "history:" + name;
        for (int n = 1; n <= 3; n++) {
            publish(GATEWAY.get(), channel, String.valueOf(n));
        }
        List<Event> history = GATEWAY.get().gateway().eventBus().history(channel, "0-0").toCompletableFuture().join();
        assertThat(history).hasSize(3);
        try (HubClient client = HubClient.connect(GATEWAY.get(), "/ws/history/" + name + "?since=" + history.get(0).offset())) {
            JsonNode subscribed = client.next("subscribed");
            assertThat(subscribed.path("channel").asText()).isEqualTo(channel);
            assertThat(subscribed.path("recovered").asBoolean()).isTrue();
            assertThat(client.next("message").path("data").asInt()).isEqualTo(2);
            assertThat(client.next("message").path("data").asInt()).isEqualTo(3);
            assertThat(client.next("subscribed").path("channel").asText()).isEqualTo("broadcast");
        }
    }

    /** Publishes 1 to {@code count}, checks that {@code subscriber} receives each, and returns their offsets. */
    private static List<String> publishNumbers(HubClient subscriber, String channel, int count) {
        List<String> offsets = new ArrayList<>();
        for (int n = 1; n <= count; n++) {
            publish(GATEWAY.get(), channel, String.valueOf(n));
            JsonNode message = subscriber.next("message");
            assertThat(message.path("data").asInt()).isEqualTo(n);
            offsets.add(message.path("offset").asText());
        }
        return offsets;
    }
}
