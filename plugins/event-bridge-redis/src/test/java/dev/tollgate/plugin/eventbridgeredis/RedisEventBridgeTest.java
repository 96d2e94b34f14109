package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pub/sub between two gateway instances (two bridges, two Redisson clients) and a backend (a
 * plain Redis client) on the shared Redis, each test under its own channel prefix.
 */
class RedisEventBridgeTest {
    private final String prefix = BridgeInstance.uniquePrefix();
    private RawRedis redis;
    private BridgeInstance first;
    private BridgeInstance second;

    @BeforeEach
    void start() {
        redis = RawRedis.shared();
        first = BridgeInstance.connected("key-prefix = \"" + prefix + "\"");
        second = BridgeInstance.connected("key-prefix = \"" + prefix + "\"");
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        redis.close();
    }

    @Test
    void backendPublishAndOtherInstancePublishArriveOnceEach() {
        String channel = prefix + "orders";
        ReceivedEvents received = new ReceivedEvents();
        first.bridge().subscribe(channel, received);
        first.awaitSubscribed(1, 0);

        assertThat(redis.publish(BridgeInstance.redisChannel(channel), "{\"from\":\"backend\"}")).isEqualTo(1);
        second.bridge().publish(channel, ByteBuffer.wrap("{\"from\":\"second\"}".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().join();
        // The first instance's own publication also goes through Redis and comes back once.
        first.bridge().publish(channel, ByteBuffer.wrap("{\"from\":\"first\"}".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().join();
        // Redis delivers in order on the subscription's connection: once the marker is here,
        // any duplicate of the earlier events would be too.
        redis.publish(BridgeInstance.redisChannel(channel), "marker");

        assertThat(received.awaitText("marker"))
                .containsExactly("{\"from\":\"backend\"}", "{\"from\":\"second\"}", "{\"from\":\"first\"}", "marker");
        assertThat(received.events()).allSatisfy(event -> {
            assertThat(event.channel()).isEqualTo(channel);
            assertThat(event.offset()).isNull();
        });
        assertThat(first.counter("received")).isEqualTo(4);
        assertThat(second.counter("published")).isEqualTo(1);
    }

    @Test
    void payloadsPassThroughAsBytes() {
        String channel = prefix + "binary";
        ReceivedEvents received = new ReceivedEvents();
        first.bridge().subscribe(channel, received);
        first.awaitSubscribed(1, 0);
        byte[] bytes = {0, 1, 2, (byte) 0xff, (byte) 0xfe, 'x', 0};

        second.bridge().publish(channel, ByteBuffer.wrap(bytes)).toCompletableFuture().join();
        redis.publish(BridgeInstance.redisChannel(channel), "marker");

        received.awaitText("marker");
        ByteBuffer payload = received.events().get(0).payload();
        byte[] arrived = new byte[payload.remaining()];
        payload.get(arrived);
        assertThat(arrived).containsExactly(bytes);
    }

    @Test
    void patternSubscriptionsReceiveEveryMatchingChannelOnce() {
        ReceivedEvents simulations = new ReceivedEvents();
        ReceivedEvents exact = new ReceivedEvents();
        first.bridge().subscribePattern(prefix + "simulation:*", simulations);
        first.bridge().subscribe(prefix + "simulation:1", exact);
        first.awaitSubscribed(1, 1);

        redis.publish(BridgeInstance.redisChannel(prefix + "simulation:1"), "one");
        second.bridge().publish(prefix + "simulation:2", ByteBuffer.wrap("two".getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join();
        redis.publish(BridgeInstance.redisChannel(prefix + "other:1"), "not matching");
        redis.publish(BridgeInstance.redisChannel(prefix + "simulation:marker"), "marker");

        // Order is promised within a channel only: channels are delivered on their own lanes.
        simulations.awaitText("one");
        simulations.awaitText("two");
        assertThat(simulations.awaitText("marker")).containsExactlyInAnyOrder("one", "two", "marker");
        assertThat(simulations.events()).extracting(Event::channel)
                .containsExactlyInAnyOrder(prefix + "simulation:1", prefix + "simulation:2", prefix + "simulation:marker");
        redis.publish(BridgeInstance.redisChannel(prefix + "simulation:1"), "exact marker");
        assertThat(exact.awaitText("exact marker")).containsExactly("one", "exact marker");
    }

    @Test
    void channelPrefixMapsChannelsBothWays() {
        String application = prefix + "app1:";
        try (BridgeInstance prefixed = BridgeInstance.connected("channel-prefix = \"" + application + "\"")) {
            ReceivedEvents orders = new ReceivedEvents();
            ReceivedEvents users = new ReceivedEvents();
            prefixed.bridge().subscribe("orders", orders);
            prefixed.bridge().subscribePattern("user:*", users);
            prefixed.awaitSubscribed(1, 1);
            assertThat(redis.subscribers(application + "orders")).isEqualTo(1);
            assertThat(redis.subscribers("orders")).isZero();

            redis.publish(application + "orders", "from a backend");
            redis.publish("orders", "another application's");
            redis.publish(application + "user:7", "a notification");
            redis.publish(application + "orders", "marker");

            assertThat(orders.awaitText("marker")).containsExactly("from a backend", "marker");
            assertThat(orders.events()).extracting(Event::channel).containsOnly("orders");
            assertThat(users.awaitText("a notification")).containsExactly("a notification");
            assertThat(users.events().get(0).channel()).isEqualTo("user:7");

            // What this instance publishes goes to the prefixed Redis channel: another bridge, whose
            // prefix is the start of this one's, sees it there.
            try (BridgeInstance outer = BridgeInstance.connected("channel-prefix = \"" + prefix + "\"")) {
                ReceivedEvents raw = new ReceivedEvents();
                outer.bridge().subscribe("app1:orders", raw);
                outer.awaitSubscribed(1, 0);
                prefixed.bridge().publish("orders", ByteBuffer.wrap("published".getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join();
                assertThat(raw.awaitText("published")).containsExactly("published");
                assertThat(orders.awaitText("published")).containsExactly("from a backend", "marker", "published");
            }
        }
    }

    @Test
    void byDefaultTheBusChannelsAreRedisChannelsOfTheirOwnWhichNeverIncludeTheGatewaysInternalOnes() {
        try (BridgeInstance instance = BridgeInstance.connected("key-prefix = \"" + prefix + "\", delivery.lanes = 1")) {
            // What an anonymous hub client may subscribe to with the shipped permissions.
            ReceivedEvents everything = new ReceivedEvents();
            instance.bridge().subscribePattern("*", everything);
            instance.awaitSubscribed(0, 1);

            // discovery-redis's changes channel of a service, and a name under the bridge's own key prefix.
            redis.publish("tollgate:services:{" + prefix + "orders}:changes", "discovery " + prefix);
            redis.publish(prefix + "presence:room", "internal " + prefix);
            // A backend publishing to the bus channel "<prefix>orders"; one lane keeps Redis' order.
            redis.publish("tollgate:events:" + prefix + "orders", "marker " + prefix);

            assertThat(everything.awaitText("marker " + prefix)).doesNotContain("discovery " + prefix, "internal " + prefix);
            assertThat(everything.awaitEvent("marker " + prefix).channel()).isEqualTo(prefix + "orders");
        }
    }

    @Test
    void lastUnsubscribeReleasesTheRedisSubscription() {
        String channel = prefix + "counted";
        ReceivedEvents one = new ReceivedEvents();
        ReceivedEvents two = new ReceivedEvents();
        Subscription firstSubscription = first.bridge().subscribe(channel, one);
        Subscription secondSubscription = first.bridge().subscribe(channel, two);
        first.awaitSubscribed(1, 0);
        assertThat(redis.subscribers(BridgeInstance.redisChannel(channel))).isEqualTo(1);

        firstSubscription.close();
        firstSubscription.close();
        redis.publish(BridgeInstance.redisChannel(channel), "after one left");
        assertThat(two.awaitText("after one left")).containsExactly("after one left");
        assertThat(one.texts()).isEmpty();
        assertThat(redis.subscribers(BridgeInstance.redisChannel(channel))).isEqualTo(1);

        secondSubscription.close();
        first.awaitSubscribed(0, 0);
        assertThat(redis.subscribers(BridgeInstance.redisChannel(channel))).isZero();

        // Subscribing again subscribes in Redis again.
        ReceivedEvents three = new ReceivedEvents();
        first.bridge().subscribe(channel, three);
        first.awaitSubscribed(1, 0);
        redis.publish(BridgeInstance.redisChannel(channel), "again");
        assertThat(three.awaitText("again")).containsExactly("again");
    }

    @Test
    void subscribingAndUnsubscribingQuicklyLeavesNoSubscriptionBehind() {
        String channel = prefix + "churn";
        for (int i = 0; i < 50; i++) {
            first.bridge().subscribe(channel, new ReceivedEvents()).close();
        }
        ReceivedEvents last = new ReceivedEvents();
        Subscription subscription = first.bridge().subscribe(channel, last);
        first.awaitSubscribed(1, 0);
        redis.publish(BridgeInstance.redisChannel(channel), "once");
        redis.publish(BridgeInstance.redisChannel(channel), "marker");
        assertThat(last.awaitText("marker")).containsExactly("once", "marker");

        subscription.close();
        first.awaitSubscribed(0, 0);
        assertThat(redis.subscribers(BridgeInstance.redisChannel(channel))).isZero();
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        String channel = prefix + "failing";
        ReceivedEvents received = new ReceivedEvents();
        first.bridge().subscribe(channel, event -> {
            throw new IllegalStateException("listener bug");
        });
        first.bridge().subscribe(channel, received);
        first.awaitSubscribed(1, 0);
        redis.publish(BridgeInstance.redisChannel(channel), "one");
        redis.publish(BridgeInstance.redisChannel(channel), "two");
        assertThat(received.awaitText("two")).containsExactly("one", "two");
    }

    @Test
    void publicationsOfOneChannelArriveInOrder() {
        String channel = prefix + "ordered";
        ReceivedEvents received = new ReceivedEvents();
        first.bridge().subscribe(channel, received);
        first.awaitSubscribed(1, 0);
        List<String> sent = new ArrayList<>();
        List<CompletableFuture<Void>> stages = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add("event " + i);
            stages.add(second.bridge().publish(channel, ByteBuffer.wrap(("event " + i).getBytes(StandardCharsets.UTF_8)))
                    .toCompletableFuture());
        }
        CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).join();
        assertThat(received.awaitText("event 199")).containsExactlyElementsOf(sent);
    }
}
