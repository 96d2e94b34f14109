package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.testing.TestingPluginContext;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/**
 * One "gateway instance" for tests: a Redis event bridge with its own Redisson client, created by
 * the factory from HOCON (over the reference defaults) with its own testing context, whose
 * {@code gateway.redis.default} is the shared Redis unless a test gives another.
 */
final class BridgeInstance implements AutoCloseable {
    private final TestingPluginContext context;
    private final EventBridge bridge;

    private BridgeInstance(TestingPluginContext context, EventBridge bridge) {
        this.context = context;
        this.bridge = bridge;
    }

    /** A bridge configured with {@code hocon} (the block of gateway.events.redis), over the shared Redis. */
    static BridgeInstance create(String hocon) {
        return create("address = \"redis://127.0.0.1:6379\"", hocon);
    }

    /**
     * A bridge configured with {@code hocon} (the block of gateway.events.redis), over the Redis
     * connection {@code redis} (the block of gateway.redis.default).
     */
    static BridgeInstance create(String redis, String hocon) {
        TestingPluginContext context = new TestingPluginContext("event-bridge-redis");
        try {
            context.withRedis("default", redis);
            PluginConfig config = config(hocon);
            return new BridgeInstance(context, new RedisEventBridgeFactory().create(config, context));
        }
        catch (RuntimeException | Error e) {
            context.close();
            throw e;
        }
    }

    /** A bridge as {@link #create(String)}, once Redis answered. */
    static BridgeInstance connected(String hocon) {
        BridgeInstance instance = create(hocon);
        instance.awaitStatus(Health.Status.UP);
        return instance;
    }

    /** A bridge as {@link #create(String, String)}, once Redis answered. */
    static BridgeInstance connected(String redis, String hocon) {
        BridgeInstance instance = create(redis, hocon);
        instance.awaitStatus(Health.Status.UP);
        return instance;
    }

    static PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(RedisEventBridgeFactory.class.getClassLoader(), "bridges.redis", "redis", hocon);
    }

    /** The bridge's default channel-prefix (reference.conf). */
    static final String CHANNEL_PREFIX = "tollgate:events:";

    /** The Redis channel of a bus channel under the default channel-prefix: where a backend publishes to it. */
    static String redisChannel(String channel) {
        return CHANNEL_PREFIX + channel;
    }

    /** A prefix no other test uses, for channels and keys on the shared Redis. */
    static String uniquePrefix() {
        return "tollgate-test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    EventBridge bridge() {
        return bridge;
    }

    TestingPluginContext context() {
        return context;
    }

    Health health() {
        return bridge.health().check();
    }

    void awaitStatus(Health.Status status) {
        await("bridge health " + status).atMost(Duration.ofSeconds(30)).until(() -> health().status() == status);
    }

    /** Waits until Redis confirmed this many channel and pattern subscriptions of this instance. */
    void awaitSubscribed(int channels, int patterns) {
        await("subscriptions in Redis: " + channels + " channel(s), " + patterns + " pattern(s)").atMost(Duration.ofSeconds(30))
                .until(() -> {
                    Map<String, Object> details = health().details();
                    return Integer.valueOf(channels).equals(details.get("channels")) && Integer.valueOf(patterns).equals(details.get("patterns"));
                });
    }

    /** A counter of the bridge's metrics, e.g. {@code received}, or {@code events_dropped} with its labels. */
    long counter(String name, String... labels) {
        return context.gatewayMetrics().counter("tollgate.event_bridge_redis", name, labels).getCount();
    }

    @Override
    public void close() {
        try {
            bridge.close();
        }
        finally {
            context.close();
        }
    }
}
