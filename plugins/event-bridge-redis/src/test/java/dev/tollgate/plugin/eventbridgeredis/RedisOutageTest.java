package dev.tollgate.plugin.eventbridgeredis;

import com.codahale.metrics.Gauge;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.PresenceMember;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.health.Health;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Redis lost and back: a redis-server of the test's own, killed and started again on the same
 * port (empty, as a Redis that lost its data would be).
 */
class RedisOutageTest {

    private static final String CONFIG = """
            probe-interval = 200ms
            presence { ttl = 5s, refresh-interval = 500ms }
            """;

    /** gateway.redis.default: the test's own server, with short timeouts and back-off. */
    private static String redis(RedisServerProcess server) {
        return """
                address = "%s"
                connect-timeout = 1s
                timeout = 1s
                reconnect { min-delay = 50ms, max-delay = 500ms }
                """.formatted(server.address());
    }

    @Test
    void localDeliveryContinuesWhileRedisIsLostAndEverythingResumesWhenItIsBack() {
        try (RedisServerProcess server = RedisServerProcess.onFreePort().start();
                BridgeInstance instance = BridgeInstance.connected(redis(server), CONFIG)) {
            ReceivedEvents orders = new ReceivedEvents();
            ReceivedEvents notifications = new ReceivedEvents();
            instance.bridge().subscribe("orders", orders);
            instance.bridge().subscribePattern("user:*", notifications);
            instance.awaitSubscribed(1, 1);
            try (RawRedis redis = server.client()) {
                redis.publish(BridgeInstance.redisChannel("orders"), "before");
            }
            orders.awaitText("before");

            server.kill();

            instance.awaitStatus(Health.Status.DEGRADED);
            Health health = instance.health();
            assertThat(health.details()).containsKeys("outage-seconds", "lost-at");
            assertThat((String) health.details().get("reason")).contains("Redis unreachable for", "this instance's subscribers only");
            Gauge<?> outage = instance.context().gatewayMetrics().registry().getGauges().get("tollgate.event_bridge_redis.outage_seconds");
            assertThat(((Number) outage.getValue()).doubleValue()).isGreaterThanOrEqualTo(0.0);
            await("the outage gauge grows").atMost(Duration.ofSeconds(10)).until(() -> ((Number) outage.getValue()).doubleValue() > 0.0);

            // Degraded mode: local publications still reach local subscribers; the stage says Redis did not take them.
            assertUnavailable(publish(instance, "orders", "while down"));
            assertUnavailable(publish(instance, "user:7", "notification while down"));
            assertThat(orders.awaitText("while down")).containsExactly("before", "while down");
            assertThat(notifications.awaitText("notification while down")).containsExactly("notification while down");
            assertThat(instance.counter("delivered_locally")).isEqualTo(2);

            // Subscriptions and presence made during the outage take effect when Redis is back.
            ReceivedEvents late = new ReceivedEvents();
            Subscription lateSubscription = instance.bridge().subscribe("late", late);
            PresenceMember member = new PresenceMember("instance/1", "alice", Map.of());
            assertThatThrownBy(() -> join(instance.bridge().presence().join("room", member))).isInstanceOf(CompletionException.class);

            assertThat(lateSubscription.active()).as("not active before Redis confirmed it").isNotDone();

            server.start();

            instance.awaitStatus(Health.Status.UP);
            assertThat(lateSubscription.active()).succeedsWithin(Duration.ofSeconds(30));
            try (RawRedis redis = server.client()) {
                assertThat(redis.subscribers(BridgeInstance.redisChannel("late"))).as("active means subscribed in Redis").isEqualTo(1);
                await("subscriptions restored in the new Redis").atMost(Duration.ofSeconds(30)).until(() ->
                        redis.subscribers(BridgeInstance.redisChannel("orders")) == 1 && redis.subscribers(BridgeInstance.redisChannel("late")) == 1
                                && redis.patternSubscriptions() == 1);
                redis.publish(BridgeInstance.redisChannel("orders"), "after");
                redis.publish(BridgeInstance.redisChannel("user:8"), "notification after");
                redis.publish(BridgeInstance.redisChannel("late"), "late after");
            }
            assertThat(orders.awaitText("after")).containsExactly("before", "while down", "after");
            assertThat(notifications.awaitText("notification after")).containsExactly("notification while down", "notification after");
            assertThat(late.awaitText("late after")).containsExactly("late after");
            assertThat(instance.counter("reconnects")).isGreaterThanOrEqualTo(1);
            assertThat((Long) instance.health().details().get("reconnects")).isGreaterThanOrEqualTo(1L);
            await("presence written again").atMost(Duration.ofSeconds(30))
                    .until(() -> join(instance.bridge().presence().members("room")).contains(member));

            // Publishing goes through Redis again: delivered once, not also locally.
            join(publish(instance, "orders", "through Redis"));
            try (RawRedis redis = server.client()) {
                redis.publish(BridgeInstance.redisChannel("orders"), "marker");
            }
            assertThat(orders.awaitText("marker")).containsExactly("before", "while down", "after", "through Redis", "marker");
        }
    }

    @Test
    void startsWhileRedisIsDownAndConnectsWhenItComes() {
        try (RedisServerProcess server = RedisServerProcess.onFreePort();
                BridgeInstance instance = BridgeInstance.create(redis(server), CONFIG)) {
            Health health = instance.health();
            assertThat(health.status()).isEqualTo(Health.Status.DEGRADED);
            assertThat((String) health.details().get("reason")).contains("not connected to Redis");
            ReceivedEvents orders = new ReceivedEvents();
            Subscription subscription = instance.bridge().subscribe("orders", orders);
            assertUnavailable(publish(instance, "orders", "local only"));
            assertThat(orders.awaitText("local only")).containsExactly("local only");
            assertThat(subscription.active()).as("local deliveries, but not active before Redis confirmed it").isNotDone();
            Subscription closedEarly = instance.bridge().subscribe("gone", new ReceivedEvents());
            closedEarly.close();
            assertThat(closedEarly.active()).as("closed before it was active").failsWithin(Duration.ofSeconds(5))
                    .withThrowableThat().havingCause().isInstanceOf(CancellationException.class);
            assertThatThrownBy(() -> join(instance.bridge().presence().members("room"))).isInstanceOf(CompletionException.class);

            server.start();

            instance.awaitStatus(Health.Status.UP);
            assertThat(subscription.active()).succeedsWithin(Duration.ofSeconds(30));
            try (RawRedis redis = server.client()) {
                assertThat(redis.subscribers(BridgeInstance.redisChannel("orders"))).isEqualTo(1);
                redis.publish(BridgeInstance.redisChannel("orders"), "from Redis");
            }
            assertThat(orders.awaitText("from Redis")).containsExactly("local only", "from Redis");
            assertThat(instance.counter("reconnects")).isZero();
        }
    }

    @Test
    void closingTheBridgeFailsTheSubscriptionsThatAreNotActiveYet() {
        try (RedisServerProcess server = RedisServerProcess.onFreePort()) {
            BridgeInstance instance = BridgeInstance.create(redis(server), CONFIG);
            Subscription subscription;
            try {
                subscription = instance.bridge().subscribe("orders", new ReceivedEvents());
                assertThat(subscription.active()).isNotDone();
            }
            finally {
                instance.close();
            }
            assertThat(subscription.active()).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                    .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .withMessageContaining("closed");
        }
    }

    private static CompletionStage<Void> publish(BridgeInstance instance, String channel, String text) {
        return instance.bridge().publish(channel, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertUnavailable(CompletionStage<Void> stage) {
        assertThatThrownBy(() -> join(stage))
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("this gateway instance's subscribers only");
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }
}
