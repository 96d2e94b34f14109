package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis lost and back, on a redis-server of the test's own (killed and restarted; the shared
 * Redis is never touched): the last known list is kept, health reports the outage, and updates
 * resume, through the changes channel too, once Redis returns.
 */
class RedisOutageTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(15);

    private final ClassLoader loader = RedisDiscoveryPlugin.class.getClassLoader();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private RedisServerProcess server;
    private TestingPluginContext context;
    private RedissonClient registrant;

    @BeforeEach
    void setUp() throws Exception {
        server = RedisServerProcess.onFreePort();
        context = new TestingPluginContext("discovery-redis").withRedis("default", """
                address = "%s"
                connect-timeout = 500ms
                timeout = 500ms
                reconnect.max-delay = 1s
                """.formatted(server.address()));
        registrant = SharedRedis.client(server.address());
    }

    @AfterEach
    void tearDown() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        registrant.shutdown(0, 2, TimeUnit.SECONDS);
        context.close();
        server.close();
    }

    @Test
    void keepsTheLastKnownListWhileRedisIsDownAndResumesWhenItIsBack() throws Exception {
        server.start();
        RedisDiscovery discovery = discovery();
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("orders", listener));
        ServiceInstance first = ServiceInstance.of(URI.create("http://10.1.0.1:80"));
        register("orders", first);
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(first)));
        await().atMost(PROMPTLY).until(() -> health().status() == Health.Status.UP);
        int deliveriesBeforeOutage = listener.deliveries().size();

        server.kill();
        await().atMost(PROMPTLY).until(() -> health().status() == Health.Status.DEGRADED);
        Health degraded = health();
        assertThat(degraded.details()).containsKeys("time-since-last-refresh-ms", "last-refresh", "unreachable-for-ms");
        assertThat(degraded.details().get("reason").toString()).contains("Redis unreachable").contains("serving the last known instances");
        // Once the last good read is older than instance-ttl, the list may be stale: DOWN, still serving it.
        await().atMost(PROMPTLY).until(() -> health().status() == Health.Status.DOWN);
        assertThat(context.metrics().counter("refresh_failures", "service", "orders").count()).isPositive();
        assertThat(listener.deliveries()).hasSize(deliveriesBeforeOutage);
        assertThat(listener.latest()).containsExactly(first);

        // Redis comes back empty (no persistence): the heartbeat registers the instance again, a new one
        // registers, and the gateway subscribes again to the changes channel.
        server.start();
        ServiceInstance second = ServiceInstance.of(URI.create("http://10.1.0.2:80"));
        register("orders", second);
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(first, second)));
        await().atMost(PROMPTLY).until(() -> health().status() == Health.Status.UP);
        await().atMost(PROMPTLY).until(() -> registrant.getTopic("outage:{orders}:changes", StringCodec.INSTANCE).countSubscribers() == 1);
    }

    @Test
    void startsWhileRedisIsDownAndCatchesUpWhenItStarts() throws Exception {
        RedisDiscovery discovery = discovery();
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("orders", listener));
        await().atMost(PROMPTLY).until(() -> health().status() == Health.Status.DOWN);
        assertThat(health().details().get("reason").toString()).contains("no instances known yet");
        assertThat(listener.delivered()).isFalse();

        server.start();
        await().atMost(PROMPTLY).until(() -> health().status() == Health.Status.UP);
        assertThat(listener.deliveries()).containsExactly(List.of());
        ServiceInstance instance = ServiceInstance.of(URI.create("http://10.1.0.3:80"));
        register("orders", instance);
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(instance)));
    }

    private Health health() {
        return context.health().get("discovery").check();
    }

    private RedisDiscovery discovery() {
        PluginConfig config = TestingPluginContext.componentConfig(loader, "discovery.redis", "redis", """
                key-prefix = "outage:"
                refresh-interval = 200ms
                max-retry-interval = 1s
                instance-ttl = 2s
                heartbeat-interval = 500ms
                """);
        RedisDiscovery discovery = (RedisDiscovery) new RedisDiscovery.Factory().create(config, context);
        resources.push(discovery);
        return discovery;
    }

    private void register(String service, ServiceInstance instance) {
        RedisServiceRegistration registration = RedisServiceRegistration.builder(registrant, service, instance)
                .keyPrefix("outage:")
                .ttl(Duration.ofSeconds(5))
                .heartbeatInterval(Duration.ofMillis(300))
                .start();
        resources.push(registration::abandon);
    }
}
