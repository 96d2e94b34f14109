package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.HistoryGapException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * History in Redis Streams across two instances: offsets on live events, recovery with
 * {@code history}, and gaps when the stream no longer reaches back.
 */
class RedisHistoryTest {
    private final String prefix = BridgeInstance.uniquePrefix();
    private RawRedis redis;
    private BridgeInstance first;
    private BridgeInstance second;

    @BeforeEach
    void start() {
        redis = RawRedis.shared();
        String config = """
                key-prefix = "%s"
                history-idle-expiry = 1m
                history = [
                  { channels = "%ssimulation:*", size = 5, ttl = 5m }
                  { channels = "%sshort:*", size = 100, ttl = 1s }
                ]
                """.formatted(prefix, prefix, prefix);
        first = BridgeInstance.connected(config);
        second = BridgeInstance.connected(config);
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        redis.close();
    }

    @Test
    void liveEventsCarryTheirOffsetToEveryInstance() {
        String channel = prefix + "simulation:1";
        assertThat(first.bridge().keepsHistory(channel)).isTrue();
        assertThat(first.bridge().keepsHistory(prefix + "chat:1")).isFalse();
        assertThat(join(first.bridge().latestOffset(channel))).isEqualTo("0-0");
        ReceivedEvents onFirst = new ReceivedEvents();
        ReceivedEvents onSecond = new ReceivedEvents();
        first.bridge().subscribe(channel, onFirst);
        second.bridge().subscribePattern(prefix + "simulation:*", onSecond);
        first.awaitSubscribed(1, 0);
        second.awaitSubscribed(0, 1);

        publish(second, channel, "{\"step\":1}");
        publish(first, channel, "{\"step\":2}");

        Event step1 = onFirst.awaitEvent("{\"step\":1}");
        Event step2 = onFirst.awaitEvent("{\"step\":2}");
        assertThat(step1.offset()).matches("\\d+-\\d+");
        assertThat(Event.compareOffsets(step1.offset(), step2.offset())).isNegative();
        assertThat(onSecond.awaitEvent("{\"step\":2}").offset()).isEqualTo(step2.offset());
        assertThat(onSecond.awaitEvent("{\"step\":1}").offset()).isEqualTo(step1.offset());
        assertThat(join(second.bridge().latestOffset(channel))).isEqualTo(step2.offset());

        // A backend's plain PUBLISH on a history channel is delivered live, without an offset.
        redis.publish(BridgeInstance.redisChannel(channel), "plain");
        assertThat(onFirst.awaitEvent("plain").offset()).isNull();
        assertThat(onFirst.texts()).containsExactly("{\"step\":1}", "{\"step\":2}", "plain");
    }

    @Test
    void aSubscriberRecoversWhatItMissedFromAnotherInstance() {
        String channel = prefix + "simulation:2";
        String start = join(first.bridge().latestOffset(channel));
        publish(second, channel, "a");
        publish(second, channel, "b");
        publish(second, channel, "c");

        List<Event> missed = join(first.bridge().history(channel, start));
        assertThat(missed).extracting(Event::payloadAsText).containsExactly("a", "b", "c");
        assertThat(missed).allSatisfy(event -> assertThat(event.channel()).isEqualTo(channel));

        List<Event> afterFirst = join(first.bridge().history(channel, missed.get(0).offset()));
        assertThat(afterFirst).extracting(Event::payloadAsText).containsExactly("b", "c");
        assertThat(afterFirst).extracting(Event::offset).containsExactly(missed.get(1).offset(), missed.get(2).offset());

        String latest = join(first.bridge().latestOffset(channel));
        assertThat(latest).isEqualTo(missed.get(2).offset());
        assertThat(join(first.bridge().history(channel, latest))).isEmpty();
    }

    @Test
    void historyThatNoLongerReachesBackIsAGap() {
        String channel = prefix + "simulation:3";
        ReceivedEvents live = new ReceivedEvents();
        first.bridge().subscribe(channel, live);
        first.awaitSubscribed(1, 0);
        for (int i = 1; i <= 8; i++) {
            publish(second, channel, "event " + i);
        }
        live.awaitText("event 8");
        List<String> offsets = live.events().stream().map(Event::offset).toList();

        // size = 5: events 4 to 8 are served. After event 3 nothing is missed; after event 2, event 3 is.
        assertThat(join(first.bridge().history(channel, offsets.get(2)))).extracting(Event::payloadAsText)
                .containsExactly("event 4", "event 5", "event 6", "event 7", "event 8");
        assertThat(join(first.bridge().history(channel, offsets.get(3)))).extracting(Event::offset)
                .containsExactlyElementsOf(offsets.subList(4, 8));
        assertGap(first.bridge().history(channel, offsets.get(1)), "no longer reaches back");
        assertGap(first.bridge().history(channel, "0-0"), "no longer reaches back");
    }

    @Test
    void offsetsUnknownOrMalformedAndChannelsWithoutHistoryAreGaps() {
        String channel = prefix + "simulation:4";
        publish(first, channel, "one");
        assertGap(first.bridge().history(channel, "99999999999999-0"), "is unknown");
        assertGap(first.bridge().history(channel, "not-an-offset"), "not an offset");
        assertGap(first.bridge().history(prefix + "chat:1", "0-0"), "keeps no history");
        assertGap(first.bridge().latestOffset(prefix + "chat:1"), "keeps no history");
        // A stream that never existed: nothing was missed since 0-0, anything else is unknown.
        assertThat(join(first.bridge().history(prefix + "simulation:none", "0-0"))).isEmpty();
        assertGap(first.bridge().history(prefix + "simulation:none", "1-0"), "is unknown");
    }

    @Test
    void eventsOlderThanTheTtlAreNotServed() {
        String channel = prefix + "short:1";
        String start = join(first.bridge().latestOffset(channel));
        publish(second, channel, "soon expired");
        String published = join(first.bridge().latestOffset(channel));
        assertThat(join(first.bridge().history(channel, start))).extracting(Event::payloadAsText).containsExactly("soon expired");

        // ttl = 1s: once the event is older, recovering from before it is a gap; from it, nothing was missed.
        await("event older than the ttl").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> isGap(first.bridge().history(channel, start)));
        assertThat(join(first.bridge().history(channel, published))).isEmpty();
    }

    @Test
    void aBackendPublishingWithTheScriptReachesSubscribersWithOffsets() {
        String channel = prefix + "simulation:backend";
        ReceivedEvents received = new ReceivedEvents();
        first.bridge().subscribe(channel, received);
        first.awaitSubscribed(1, 0);
        String script = readScript("publish.lua");

        String redisChannel = BridgeInstance.redisChannel(channel);
        Object offset = redis.command("EVAL", script, "1", prefix + "history:" + redisChannel, redisChannel, "{\"from\":\"backend\"}", "5", "60000");

        Event event = received.awaitEvent("{\"from\":\"backend\"}");
        assertThat(event.offset()).isEqualTo(offset);
        assertThat(join(second.bridge().history(channel, "0-0"))).extracting(Event::offset).containsExactly((String) offset);
    }

    private static void publish(BridgeInstance instance, String channel, String text) {
        instance.bridge().publish(channel, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join();
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private static boolean isGap(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
            return false;
        }
        catch (CompletionException e) {
            return e.getCause() instanceof HistoryGapException;
        }
    }

    private static void assertGap(CompletionStage<?> stage, String message) {
        assertThatThrownBy(() -> stage.toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(HistoryGapException.class)
                .isNotInstanceOf(GatewayException.class)
                .hasMessageContaining(message);
    }

    private static String readScript(String name) {
        try (InputStream in = RedisHistoryTest.class.getResourceAsStream("/dev/tollgate/plugin/eventbridgeredis/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
