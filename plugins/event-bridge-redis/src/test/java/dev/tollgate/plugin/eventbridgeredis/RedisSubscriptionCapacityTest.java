package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.health.Health;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bridge holds at most {@code subscription-connections × subscriptions-per-connection} Redis
 * subscriptions (channels and patterns together); here 1 × 2, on the shared Redis. A subscription
 * is active once Redis confirmed it, and one beyond the capacity is refused where its subscriber
 * sees it, instead of silently receiving nothing.
 */
class RedisSubscriptionCapacityTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String prefix = BridgeInstance.uniquePrefix();
    private RawRedis redis;
    private BridgeInstance instance;

    @BeforeEach
    void start() {
        redis = RawRedis.shared();
        instance = BridgeInstance.connected("""
                subscription-connections = 1
                subscriptions-per-connection = 2
                channel-prefix = "%s"
                key-prefix = "%s"
                """.formatted(prefix, prefix));
    }

    @AfterEach
    void stop() {
        instance.close();
        redis.close();
    }

    @Test
    void everySubscriptionThatSaysItIsActiveReceivesWhatABackendPublishes() {
        Map<String, ReceivedEvents> listeners = new LinkedHashMap<>();
        Map<String, Subscription> subscriptions = new LinkedHashMap<>();
        for (String channel : List.of("a", "b", "c", "d")) {
            ReceivedEvents listener = new ReceivedEvents();
            listeners.put(channel, listener);
            subscriptions.put(channel, instance.bridge().subscribe(channel, listener));
        }
        instance.awaitSubscribed(2, 0);

        List<String> active = new ArrayList<>();
        subscriptions.forEach((channel, subscription) -> {
            CompletableFuture<Void> outcome = subscription.active().toCompletableFuture();
            await("the outcome of the subscription to " + channel).atMost(WAIT).until(outcome::isDone);
            if (!outcome.isCompletedExceptionally()) {
                active.add(channel);
            }
        });
        for (String channel : active) {
            assertThat(redis.publish(prefix + channel, "to " + channel))
                    .as("Redis subscribers of %s, whose subscription said it was active", channel).isEqualTo(1);
            assertThat(listeners.get(channel).awaitText("to " + channel)).containsExactly("to " + channel);
        }
        assertThat(active).as("the subscriptions that fit, in the order they were made").containsExactly("a", "b");
    }

    @Test
    void aSubscriptionBeyondTheCapacityIsRefusedVisiblyAndAReleasedOneMakesRoom() {
        // Channels and patterns share the capacity.
        Subscription orders = instance.bridge().subscribe("orders", new ReceivedEvents());
        Subscription users = instance.bridge().subscribePattern("user:*", new ReceivedEvents());
        assertThat(orders.active()).succeedsWithin(WAIT);
        assertThat(users.active()).succeedsWithin(WAIT);

        ReceivedEvents refusedListener = new ReceivedEvents();
        Subscription refused = instance.bridge().subscribe("invoices", refusedListener);
        assertThat(refused.active()).failsWithin(WAIT).withThrowableThat().havingCause()
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .withMessageContaining("invoices")
                .withMessageContaining("subscription-connections × subscriptions-per-connection = 1 × 2");
        assertThat(redis.subscribers(prefix + "invoices")).isZero();
        assertThat(instance.counter("subscriptions_refused")).isEqualTo(1);
        Health health = instance.health();
        assertThat(health.status()).isEqualTo(Health.Status.DEGRADED);
        assertThat(health.details()).containsEntry("subscriptions-refused", 1L);
        assertThat((String) health.details().get("reason")).contains("subscriptions were refused");
        refused.close();

        // Another listener of a channel that is subscribed in Redis needs no room.
        ReceivedEvents second = new ReceivedEvents();
        Subscription secondOrders = instance.bridge().subscribe("orders", second);
        assertThat(secondOrders.active()).succeedsWithin(WAIT);
        redis.publish(prefix + "orders", "to both");
        assertThat(second.awaitText("to both")).containsExactly("to both");

        // Once the last listener of a channel is gone and Redis confirmed the unsubscribe, its room is free.
        orders.close();
        secondOrders.close();
        instance.awaitSubscribed(0, 1);
        ReceivedEvents invoices = new ReceivedEvents();
        Subscription admitted = instance.bridge().subscribe("invoices", invoices);
        assertThat(admitted.active()).succeedsWithin(WAIT);
        assertThat(redis.publish(prefix + "invoices", "now")).isEqualTo(1);
        assertThat(invoices.awaitText("now")).containsExactly("now");
        assertThat(refusedListener.texts()).isEmpty();
    }
}
