package dev.tollgate.runtime.event;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.ChannelGlob;
import dev.tollgate.api.event.HistoryGapException;
import dev.tollgate.api.event.HistoryRule;
import dev.tollgate.api.event.PresenceMember;
import dev.tollgate.api.event.Subscription;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryEventBusTest {
    private static ByteBuffer text(String value) {
        return ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void deliversToChannelAndPatternSubscribersUntilClosed() {
        InMemoryEventBus bus = new InMemoryEventBus();
        List<String> received = new CopyOnWriteArrayList<>();
        Subscription exact = bus.subscribe("simulation:1", event -> received.add("exact " + event.payloadAsText()));
        Subscription pattern = bus.subscribePattern("simulation:*", event -> received.add("pattern " + event.channel()));
        bus.publish("simulation:1", text("a"));
        bus.publish("simulation:2", text("b"));
        bus.publish("other", text("c"));
        assertThat(received).containsExactly("exact a", "pattern simulation:1", "pattern simulation:2");
        exact.close();
        pattern.close();
        bus.publish("simulation:1", text("d"));
        assertThat(received).hasSize(3);
        assertThat(bus.hasSubscribers("simulation:1")).isFalse();
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        InMemoryEventBus bus = new InMemoryEventBus();
        List<String> received = new CopyOnWriteArrayList<>();
        bus.subscribe("c", event -> {
            throw new IllegalStateException("listener bug");
        });
        bus.subscribe("c", event -> received.add(event.payloadAsText()));
        bus.publish("c", text("x"));
        assertThat(received).containsExactly("x");
    }

    @Test
    void historyRecoversWhatWasMissedInOrderAndReportsGaps() throws Exception {
        InMemoryEventBus bus = new InMemoryEventBus(
                List.of(new HistoryRule(ChannelGlob.compile("simulation:*"), 3, Duration.ofMinutes(5))), Clock.systemUTC());
        assertThat(bus.keepsHistory("simulation:1")).isTrue();
        assertThat(bus.keepsHistory("other")).isFalse();
        assertThat(bus.latestOffset("simulation:1").toCompletableFuture().get()).isEqualTo("0-0");
        List<Event> live = new CopyOnWriteArrayList<>();
        bus.subscribe("simulation:1", live::add);
        bus.publish("simulation:1", text("one"));
        String afterFirst = bus.latestOffset("simulation:1").toCompletableFuture().get();
        bus.publish("simulation:1", text("two"));
        bus.publish("simulation:1", text("three"));
        assertThat(live).extracting(Event::offset).doesNotContainNull();
        assertThat(Event.compareOffsets(live.get(0).offset(), live.get(1).offset())).isNegative();

        List<Event> missed = bus.history("simulation:1", afterFirst).toCompletableFuture().get();
        assertThat(missed).extracting(Event::payloadAsText).containsExactly("two", "three");
        assertThat(bus.history("simulation:1", "0-0").toCompletableFuture().get()).hasSize(3);

        bus.publish("simulation:1", text("four"));
        bus.publish("simulation:1", text("five"));
        assertThatThrownBy(() -> bus.history("simulation:1", afterFirst).toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(HistoryGapException.class);
        assertThatThrownBy(() -> bus.history("other", "0-0").toCompletableFuture().get())
                .hasCauseInstanceOf(HistoryGapException.class);
    }

    @Test
    void presenceTracksMembers() throws Exception {
        InMemoryEventBus bus = new InMemoryEventBus();
        bus.presence().join("room", new PresenceMember("a", "alice", Map.of()));
        bus.presence().join("room", new PresenceMember("b", "bob", Map.of("client", "web")));
        assertThat(bus.presence().members("room").toCompletableFuture().get()).extracting(PresenceMember::user)
                .containsExactlyInAnyOrder("alice", "bob");
        bus.presence().leave("room", "a");
        assertThat(bus.presence().members("room").toCompletableFuture().get()).extracting(PresenceMember::user).containsExactly("bob");
    }

    @Test
    void patternSubscriptionsFollowRedisGlobSyntax() {
        InMemoryEventBus bus = new InMemoryEventBus();
        List<String> received = new CopyOnWriteArrayList<>();
        for (String pattern : List.of("user:*:inbox", "h?llo", "h[ae]llo", "h[^e]llo", "a\\*b", "a.b")) {
            bus.subscribePattern(pattern, event -> received.add(pattern + " " + event.channel()));
        }
        for (String channel : List.of("user:42:inbox", "hello", "hallo", "a*b", "axb")) {
            bus.publish(channel, text(""));
        }
        assertThat(received).containsExactlyInAnyOrder("user:*:inbox user:42:inbox", "h?llo hello", "h?llo hallo",
                "h[ae]llo hello", "h[ae]llo hallo", "h[^e]llo hallo", "a\\*b a*b");
    }
}
