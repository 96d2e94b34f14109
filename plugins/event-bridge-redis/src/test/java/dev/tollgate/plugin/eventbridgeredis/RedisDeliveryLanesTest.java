package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.health.Health;
import dev.tollgate.plugin.eventbridgeredis.internal.DeliveryLanes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The delivery lanes between Redis and the listeners, on the shared Redis: each channel stays in
 * order while channels spread over the lanes; a full lane drops (the oldest, or the newest) and
 * counts it; a listener that stalls holds up only its own lane while Redis keeps being read; and
 * local deliveries while Redis is unreachable take the same lanes.
 */
class RedisDeliveryLanesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String prefix = BridgeInstance.uniquePrefix();
    private RawRedis redis;

    @BeforeEach
    void connect() {
        redis = RawRedis.shared();
    }

    @AfterEach
    void disconnect() {
        redis.close();
    }

    @Test
    void eachChannelKeepsItsOrderWhileTheChannelsSpreadOverTheLanes() {
        try (BridgeInstance instance = BridgeInstance.connected(config("delivery { lanes = 4 }"))) {
            List<String> channels = IntStream.range(0, 8).mapToObj(i -> prefix + "ordered:" + i).toList();
            assertThat(channels.stream().map(channel -> DeliveryLanes.laneOf(channel, 4)).distinct().count())
                    .as("lanes the channels take").isGreaterThan(1);
            List<ReceivedEvents> listeners = new ArrayList<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            for (String channel : channels) {
                ReceivedEvents listener = new ReceivedEvents();
                listeners.add(listener);
                instance.bridge().subscribe(channel, listener);
                instance.bridge().subscribe(channel, event -> threads.add(Thread.currentThread().getName()));
            }
            instance.awaitSubscribed(channels.size(), 0);

            List<String> sent = IntStream.range(0, 100).mapToObj(Integer::toString).toList();
            for (String text : sent) {
                for (String channel : channels) {
                    redis.publish(BridgeInstance.redisChannel(channel), text);
                }
            }

            for (ReceivedEvents listener : listeners) {
                assertThat(listener.awaitText("99")).containsExactlyElementsOf(sent);
            }
            // Listeners run on the lanes' threads, never on Redisson's.
            assertThat(threads).allSatisfy(name -> assertThat(name).startsWith("tollgate-event-bridge-lane-"));
            assertThat(instance.counter("events_dropped", "reason", "lane_full")).isZero();
            assertThat(instance.health().status()).isEqualTo(Health.Status.UP);
        }
    }

    @Test
    void aFullLaneDropsItsOldestEventsCountsThemAndReportsDegraded() {
        String channel = prefix + "full";
        try (BridgeInstance instance = BridgeInstance.connected(config("delivery { lanes = 1, queue-size = 3 }"));
                StallingListener listener = new StallingListener()) {
            instance.bridge().subscribe(channel, listener);
            instance.awaitSubscribed(1, 0);
            redis.publish(BridgeInstance.redisChannel(channel), "1");
            listener.awaitStalled();

            // The lane holds 3 events while the listener stalls on the first: of 2..10, 2..7 make way.
            for (int n = 2; n <= 10; n++) {
                redis.publish(BridgeInstance.redisChannel(channel), Integer.toString(n));
            }
            await("all read from Redis, 6 dropped").atMost(WAIT).untilAsserted(() -> {
                assertThat(instance.counter("received")).isEqualTo(10);
                assertThat(instance.counter("events_dropped", "reason", "lane_full")).isEqualTo(6);
            });
            Health health = instance.health();
            assertThat(health.status()).isEqualTo(Health.Status.DEGRADED);
            assertThat((String) health.details().get("reason")).contains("events were dropped in the last minute");
            assertThat(health.details()).containsEntry("events-dropped", 6L);

            listener.release();
            assertThat(listener.awaitCount(4)).containsExactly("1", "8", "9", "10");
            redis.publish(BridgeInstance.redisChannel(channel), "11");
            assertThat(listener.awaitCount(5)).containsExactly("1", "8", "9", "10", "11");
            assertThat(instance.counter("events_dropped", "reason", "lane_bytes")).isZero();
        }
    }

    @Test
    void theByteLimitDropsTooAndDropNewestKeepsTheOldest() {
        String channel = prefix + "bytes";
        String padding = "x".repeat(400);
        try (BridgeInstance instance = BridgeInstance.connected(config("delivery { lanes = 1, queue-bytes = 1KiB, overflow = drop-newest }"));
                StallingListener listener = new StallingListener()) {
            instance.bridge().subscribe(channel, listener);
            instance.awaitSubscribed(1, 0);
            redis.publish(BridgeInstance.redisChannel(channel), "1");
            listener.awaitStalled();

            // Events of about 400 bytes on a lane of 1 KiB: 2 and 3 fit, 4, 5 and 6 do not.
            for (int n = 2; n <= 6; n++) {
                redis.publish(BridgeInstance.redisChannel(channel), n + padding);
            }
            await("all read from Redis, 3 dropped").atMost(WAIT).untilAsserted(() -> {
                assertThat(instance.counter("received")).isEqualTo(6);
                assertThat(instance.counter("events_dropped", "reason", "lane_bytes")).isEqualTo(3);
            });

            listener.release();
            redis.publish(BridgeInstance.redisChannel(channel), "7");
            assertThat(listener.awaitCount(4)).containsExactly("1", 2 + padding, 3 + padding, "7");
            assertThat(instance.counter("events_dropped", "reason", "lane_full")).isZero();
        }
    }

    @Test
    void aStalledListenerHoldsUpOnlyItsOwnLaneAndRedisKeepsBeingRead() {
        String slowChannel = prefix + "slow";
        String fastChannel = IntStream.range(0, 100).mapToObj(i -> prefix + "fast:" + i)
                .filter(channel -> DeliveryLanes.laneOf(channel, 2) != DeliveryLanes.laneOf(slowChannel, 2))
                .findFirst().orElseThrow();
        // One Redisson listener thread: if a listener ran on it, the stall would stop everything.
        try (BridgeInstance instance = BridgeInstance.connected(config("listener-threads = 1, delivery { lanes = 2, queue-size = 100 }"));
                StallingListener slow = new StallingListener()) {
            ReceivedEvents fast = new ReceivedEvents();
            instance.bridge().subscribe(slowChannel, slow);
            instance.bridge().subscribe(fastChannel, fast);
            instance.awaitSubscribed(2, 0);
            redis.publish(BridgeInstance.redisChannel(slowChannel), "first");
            slow.awaitStalled();

            // Twice what its lane holds.
            for (int n = 0; n < 200; n++) {
                redis.publish(BridgeInstance.redisChannel(slowChannel), Integer.toString(n));
            }
            List<String> sent = IntStream.range(0, 20).mapToObj(Integer::toString).toList();
            for (String text : sent) {
                redis.publish(BridgeInstance.redisChannel(fastChannel), text);
            }

            assertThat(fast.awaitText("19")).containsExactlyElementsOf(sent);
            await("everything read from Redis while the slow listener stalls").atMost(WAIT).untilAsserted(() -> {
                assertThat(instance.counter("received")).isEqualTo(221);
                assertThat(instance.counter("events_dropped", "reason", "lane_full")).isEqualTo(100);
            });
            assertThat(slow.texts()).containsExactly("first");

            slow.release();
            List<String> kept = new ArrayList<>(List.of("first"));
            IntStream.range(100, 200).mapToObj(Integer::toString).forEach(kept::add);
            assertThat(slow.awaitCount(101)).containsExactlyElementsOf(kept);
        }
    }

    @Test
    void localDeliveriesWhileRedisIsUnreachableTakeTheLanesToo() {
        String channel = prefix + "local";
        try (RedisServerProcess absent = RedisServerProcess.onFreePort();
                BridgeInstance instance = BridgeInstance.create("""
                        address = "%s"
                        connect-timeout = 1s
                        timeout = 1s
                        reconnect { min-delay = 50ms, max-delay = 500ms }
                        """.formatted(absent.address()), "delivery { lanes = 1, queue-size = 2 }");
                StallingListener listener = new StallingListener()) {
            instance.bridge().subscribe(channel, listener);
            assertUnavailable(publish(instance, channel, "1"));
            listener.awaitStalled();

            // The publisher is never held up by the stalled listener: each stage fails at once, and the
            // lane keeps the newest two.
            for (int n = 2; n <= 5; n++) {
                assertUnavailable(publish(instance, channel, Integer.toString(n)));
            }
            assertThat(instance.counter("events_dropped", "reason", "lane_full")).isEqualTo(2);
            assertThat(instance.counter("delivered_locally")).isEqualTo(5);

            listener.release();
            assertThat(listener.awaitCount(3)).containsExactly("1", "4", "5");
        }
    }

    private String config(String delivery) {
        return "key-prefix = \"" + prefix + "\"\n" + delivery;
    }

    private static CompletableFuture<Void> publish(BridgeInstance instance, String channel, String text) {
        return instance.bridge().publish(channel, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))).toCompletableFuture();
    }

    private static void assertUnavailable(CompletableFuture<Void> stage) {
        assertThat(stage).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }
}
