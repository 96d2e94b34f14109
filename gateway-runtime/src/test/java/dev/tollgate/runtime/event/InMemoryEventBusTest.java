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
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

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
        assertThat(exact.active()).as("active at once").isCompleted();
        assertThat(pattern.active()).isCompleted();
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
    void theHistoryOfAChannelWhoseEventsAllExpiredIsForgotten() throws Exception {
        ManualClock clock = new ManualClock();
        InMemoryEventBus bus = new InMemoryEventBus(List.of(new HistoryRule(ChannelGlob.compile("room:*"), 10, Duration.ofMinutes(1))), clock);
        for (int i = 0; i < 1000; i++) {
            bus.publish("room:" + i, text("first"));
        }
        String firstOfRoom0 = bus.latestOffset("room:0").toCompletableFuture().get();
        String firstOfRoom1 = bus.latestOffset("room:1").toCompletableFuture().get();
        clock.advance(Duration.ofSeconds(30));
        bus.publish("room:0", text("later"));
        assertThat(bus.channelsWithHistory()).isEqualTo(1000);

        clock.advance(Duration.ofSeconds(31));
        bus.evictExpired();

        // Only room:0 still has an event younger than the rule's ttl.
        assertThat(bus.channelsWithHistory()).isEqualTo(1);
        assertThat(bus.history("room:0", firstOfRoom0).toCompletableFuture().get()).extracting(Event::payloadAsText)
                .containsExactly("later");
        assertThat(bus.latestOffset("room:1").toCompletableFuture().get()).isEqualTo("0-0");
        assertThatThrownBy(() -> bus.history("room:1", firstOfRoom1).toCompletableFuture().get())
                .hasCauseInstanceOf(HistoryGapException.class);
    }

    @Test
    void anOffsetOfAForgottenHistoryReportsAGapNotTheNewHistorysEventsAsIfTheyFollowedIt() throws Exception {
        ManualClock clock = new ManualClock();
        InMemoryEventBus bus = new InMemoryEventBus(List.of(new HistoryRule(ChannelGlob.compile("room:*"), 10, Duration.ofMinutes(1))), clock);
        bus.publish("room:1", text("one"));
        String seen = bus.latestOffset("room:1").toCompletableFuture().get();
        clock.advance(Duration.ofMinutes(2));
        bus.evictExpired();

        // The channel's history starts again: its first events must not pass for those after "seen".
        bus.publish("room:1", text("two"));
        bus.publish("room:1", text("three"));
        assertThatThrownBy(() -> bus.history("room:1", seen).toCompletableFuture().get())
                .hasCauseInstanceOf(HistoryGapException.class);
        List<Event> all = bus.history("room:1", "0-0").toCompletableFuture().get();
        assertThat(all).extracting(Event::payloadAsText).containsExactly("two", "three");
        assertThat(Event.compareOffsets(all.get(0).offset(), seen)).isPositive();
        assertThat(bus.history("room:1", all.get(0).offset()).toCompletableFuture().get()).extracting(Event::payloadAsText)
                .containsExactly("three");
    }

    @Test
    void atMostMaxHistoryChannelsKeepHistoryTheOnePublishedToLeastRecentlyMakingRoom() throws Exception {
        ManualClock clock = new ManualClock();
        List<HistoryRule> rules = List.of(new HistoryRule(ChannelGlob.compile("room:*"), 10, Duration.ofHours(1)));
        // The documented default, gateway.events.local.max-history-channels = 10000.
        InMemoryEventBus unbounded = new InMemoryEventBus(rules, clock);
        for (int i = 0; i < 10_050; i++) {
            unbounded.publish("room:" + i, text("x"));
            clock.advance(Duration.ofMillis(1));
        }
        assertThat(unbounded.channelsWithHistory()).isEqualTo(10_000);

        InMemoryEventBus bus = new InMemoryEventBus(rules, 3, clock);
        bus.publish("room:a", text("a"));
        String offsetOfA = bus.latestOffset("room:a").toCompletableFuture().get();
        clock.advance(Duration.ofMillis(1));
        bus.publish("room:b", text("b"));
        clock.advance(Duration.ofMillis(1));
        bus.publish("room:c", text("c"));
        clock.advance(Duration.ofMillis(1));
        bus.publish("room:a", text("a again"));
        clock.advance(Duration.ofMillis(1));
        bus.publish("room:d", text("d"));

        // room:b was published to least recently: its history made room for room:d's.
        assertThat(bus.channelsWithHistory()).isEqualTo(3);
        assertThat(bus.latestOffset("room:b").toCompletableFuture().get()).isEqualTo("0-0");
        assertThat(bus.history("room:a", offsetOfA).toCompletableFuture().get()).extracting(Event::payloadAsText)
                .containsExactly("a again");
        assertThat(bus.history("room:d", "0-0").toCompletableFuture().get()).extracting(Event::payloadAsText).containsExactly("d");
        assertThat(bus.history("room:c", "0-0").toCompletableFuture().get()).extracting(Event::payloadAsText).containsExactly("c");
    }

    @Test
    void underConcurrentPublishingAndEvictionTheBoundHoldsAndEachChannelsOffsetsOnlyGrow() throws Exception {
        ManualClock clock = new ManualClock();
        InMemoryEventBus bus = new InMemoryEventBus(List.of(new HistoryRule(ChannelGlob.compile("room:*"), 5, Duration.ofMillis(50))), 20, clock);
        Map<String, List<String>> offsets = new ConcurrentHashMap<>();
        bus.subscribePattern("room:*", event -> offsets.computeIfAbsent(event.channel(), key -> new CopyOnWriteArrayList<>()).add(event.offset()));
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 5_000; i++) {
                    bus.publish("room:" + ((i * 7 + seed) % 60), text("x"));
                    if (i % 100 == seed) {
                        clock.advance(Duration.ofMillis(10));
                        bus.evictExpired();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(bus.channelsWithHistory()).isLessThanOrEqualTo(20);
        assertThat(offsets).hasSize(60);
        // Events of one channel are recorded and delivered under its lock, so each list is in offset order.
        offsets.forEach((channel, list) -> {
            for (int i = 1; i < list.size(); i++) {
                assertThat(Event.compareOffsets(list.get(i - 1), list.get(i))).as("%s: %s then %s", channel, list.get(i - 1), list.get(i))
                        .isNegative();
            }
        });
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

    /** A clock that moves only when told. */
    private static final class ManualClock extends Clock {
        private final AtomicLong millis = new AtomicLong(Instant.parse("2025-01-01T00:00:00Z").toEpochMilli());

        void advance(Duration duration) {
            millis.addAndGet(duration.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
