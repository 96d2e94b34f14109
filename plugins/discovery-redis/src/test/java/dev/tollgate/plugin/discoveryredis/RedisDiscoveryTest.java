package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The discovery against the real shared Redis, each test under a key prefix of its own, with
 * registrants using their own Redisson client as a service would.
 */
class RedisDiscoveryTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(10);
    /** A refresh interval that never elapses in a test: only the changes channel can bring updates. */
    private static final String NO_POLLING = "refresh-interval = 1h, max-retry-interval = 1h\n";

    private final ClassLoader loader = RedisDiscoveryPlugin.class.getClassLoader();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private TestingPluginContext context;
    private RedissonClient registrant;
    private String prefix;

    @BeforeAll
    static void redisRuns() {
        SharedRedis.requireRunning();
    }

    @BeforeEach
    void setUp() {
        prefix = SharedRedis.uniquePrefix();
        context = new TestingPluginContext("discovery-redis").withRedis("default", "address = \"" + SharedRedis.ADDRESS + "\"");
        registrant = SharedRedis.client(SharedRedis.ADDRESS);
    }

    @AfterEach
    void tearDown() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        registrant.getKeys().deleteByPattern(prefix + "*");
        registrant.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        context.close();
    }

    @Test
    void registrationsChangesAndDeregistrationsArriveThroughTheChangesChannel() {
        RedisDiscovery discovery = discovery(NO_POLLING);
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("orders", listener));
        await().atMost(PROMPTLY).until(listener::delivered);
        assertThat(listener.latest()).isEmpty();

        ServiceInstance first = new ServiceInstance("orders-1", URI.create("http://10.0.0.5:9000"), 3, Map.of("zone", "a"));
        RedisServiceRegistration registration = register("orders", first, Duration.ofSeconds(15), Duration.ofSeconds(5));
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(first)));

        ServiceInstance heavier = new ServiceInstance("orders-1", URI.create("http://10.0.0.5:9000"), 7, Map.of("zone", "b", "canary", "true"));
        registration.update(heavier);
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(heavier)));

        // Registered through the discovery itself, with its instance-ttl and heartbeat-interval.
        ServiceInstance second = new ServiceInstance("orders-0", URI.create("https://10.0.0.6:9443"), 1, Map.of());
        RedisServiceRegistration secondRegistration = discovery.register("orders", second).toCompletableFuture().join();
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(second, heavier)));

        registration.deregister().toCompletableFuture().join();
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(second)));
        secondRegistration.close();
        await().atMost(PROMPTLY).until(() -> listener.latest().isEmpty());

        assertThat(listener.deliveries()).containsExactly(List.of(), List.of(first), List.of(heavier), List.of(second, heavier),
                List.of(second), List.of());
        assertThat(registrant.getKeys().countExists(prefix + "{orders}", prefix + "{orders}:instances")).isZero();
    }

    @Test
    void plainRedisCommandsAsTheReadmeDocumentsThem() {
        RedisDiscovery discovery = discovery(NO_POLLING);
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("billing", listener));
        await().atMost(PROMPTLY).until(listener::delivered);

        // MULTI; HSET <prefix>{billing}:instances billing-1 <json>; ZADD <prefix>{billing} <now + 15000> billing-1; EXEC
        RBatch batch = registrant.createBatch(BatchOptions.defaults().executionMode(BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
        batch.getMap(prefix + "{billing}:instances", StringCodec.INSTANCE)
                .fastPutAsync("billing-1", "{\"url\":\"http://10.0.0.7:8080\",\"weight\":2,\"metadata\":{\"zone\":\"c\"}}");
        batch.getScoredSortedSet(prefix + "{billing}", StringCodec.INSTANCE).addAsync(System.currentTimeMillis() + 15_000, "billing-1");
        batch.execute();
        // PUBLISH <prefix>{billing}:changes billing-1
        registrant.getTopic(prefix + "{billing}:changes", StringCodec.INSTANCE).publish("billing-1");
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(
                new ServiceInstance("billing-1", URI.create("http://10.0.0.7:8080"), 2, Map.of("zone", "c")))));

        // ZREM + HDEL, then PUBLISH.
        registrant.getScoredSortedSet(prefix + "{billing}", StringCodec.INSTANCE).remove("billing-1");
        registrant.getMap(prefix + "{billing}:instances", StringCodec.INSTANCE).fastRemove("billing-1");
        registrant.getTopic(prefix + "{billing}:changes", StringCodec.INSTANCE).publish("billing-1");
        await().atMost(PROMPTLY).until(() -> listener.latest().isEmpty());
    }

    @Test
    void heartbeatsKeepAnInstanceBeyondItsTtlAndExpiryRemovesIt() {
        RedisDiscovery discovery = discovery("refresh-interval = 100ms\n");
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("search", listener));
        ServiceInstance instance = ServiceInstance.of(URI.create("http://10.0.0.8:9200"));
        RedisServiceRegistration registration = register("search", instance, Duration.ofMillis(1000), Duration.ofMillis(200));
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(instance)));
        int deliveries = listener.deliveries().size();
        long refreshes = context.metrics().counter("refreshes", "service", "search").count();

        // Three TTLs, about thirty reads: still there, and nothing delivered since nothing changed.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> listener.latest().equals(List.of(instance)) && listener.deliveries().size() == deliveries);
        assertThat(context.metrics().counter("refreshes", "service", "search").count()).isGreaterThan(refreshes + 10);

        // The service dies without deregistering: gone one TTL after its last heartbeat.
        registration.abandon();
        await().atMost(PROMPTLY).until(() -> listener.latest().isEmpty());
        // ... and the gateway removed the expired entry from both keys.
        assertThat(registrant.getScoredSortedSet(prefix + "{search}", StringCodec.INSTANCE).size()).isZero();
        assertThat(registrant.getMap(prefix + "{search}:instances", StringCodec.INSTANCE).size()).isZero();
    }

    @Test
    void aRegistrationRemovedAfterALongPauseComesBackWithItsNextHeartbeat() {
        RedisDiscovery discovery = discovery(NO_POLLING);
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("pause", listener));
        ServiceInstance instance = ServiceInstance.of(URI.create("http://10.0.0.9:80"));
        register("pause", instance, Duration.ofSeconds(15), Duration.ofMillis(200));
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(instance)));

        // As if a gateway had removed it after it expired: the next heartbeat writes both entries again
        // and announces the instance, since it is new to the registry.
        Metrics.Counter notifications = context.metrics().counter("notifications", "service", "pause");
        long announced = notifications.count();
        registrant.getScoredSortedSet(prefix + "{pause}", StringCodec.INSTANCE).remove(instance.id());
        registrant.getMap(prefix + "{pause}:instances", StringCodec.INSTANCE).fastRemove(instance.id());
        await().atMost(PROMPTLY).until(() -> notifications.count() > announced
                && registrant.getMap(prefix + "{pause}:instances", StringCodec.INSTANCE).containsKey(instance.id())
                && registrant.getScoredSortedSet(prefix + "{pause}", StringCodec.INSTANCE).contains(instance.id()));
        assertThat(listener.latest()).containsExactly(instance);
    }

    @Test
    void malformedEntriesAreSkippedWithOneWarningEach() {
        try (CapturedLogs logs = new CapturedLogs(RedisDiscovery.class)) {
            String live = prefix + "{inventory}";
            String descriptions = prefix + "{inventory}:instances";
            long future = System.currentTimeMillis() + 60_000;
            registrant.getMap(descriptions, StringCodec.INSTANCE).put("bad-json", "{not json");
            registrant.getMap(descriptions, StringCodec.INSTANCE).put("no-url", "{\"weight\":2}");
            registrant.getMap(descriptions, StringCodec.INSTANCE).put("not-live", "{\"url\":\"http://10.0.1.9:80\"}");
            for (String id : List.of("bad-json", "no-url", "no-description")) {
                registrant.getScoredSortedSet(live, StringCodec.INSTANCE).add(future, id);
            }
            ServiceInstance good = ServiceInstance.of(URI.create("http://10.0.1.1:80"));
            register("inventory", good, Duration.ofSeconds(15), Duration.ofSeconds(5));

            RedisDiscovery discovery = discovery("refresh-interval = 50ms\n");
            RecordingListener listener = new RecordingListener();
            resources.push(discovery.watch("inventory", listener));
            await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(good)));
            long refreshes = context.metrics().counter("refreshes", "service", "inventory").count();
            await().atMost(PROMPTLY).until(() -> context.metrics().counter("refreshes", "service", "inventory").count() >= refreshes + 5);

            List<String> warnings = logs.warnings();
            assertThat(warnings).hasSize(3);
            assertThat(warnings).anySatisfy(warning -> assertThat(warning)
                    .contains("'bad-json'", "'inventory'", "{not json", "not JSON"));
            assertThat(warnings).anySatisfy(warning -> assertThat(warning)
                    .contains("'no-url'", "'inventory'", "\"url\" is missing"));
            assertThat(warnings).anySatisfy(warning -> assertThat(warning)
                    .contains("'no-description'", "'inventory'", "no description"));
            assertThat(context.metrics().counter("malformed_entries", "service", "inventory").count()).isEqualTo(3);
            assertThat(listener.deliveries()).containsExactly(List.of(good));

            // Repaired, the entry is taken.
            registrant.getMap(descriptions, StringCodec.INSTANCE).put("no-url", "{\"url\":\"http://10.0.1.2:80\",\"weight\":2}");
            await().atMost(PROMPTLY).until(() -> listener.latestIds().equals(List.of(good.id(), "no-url")));
            assertThat(logs.warnings()).hasSize(3);
        }
    }

    @Test
    void watchersOfOneServiceShareItAndStopWhenClosed() {
        RedisDiscovery discovery = discovery(NO_POLLING);
        ServiceInstance instance = ServiceInstance.of(URI.create("http://10.0.2.1:80"));
        RedisServiceRegistration registration = register("shared", instance, Duration.ofSeconds(15), Duration.ofSeconds(5));
        await().atMost(PROMPTLY).until(() -> registration.registered().toCompletableFuture().isDone());

        RecordingListener first = new RecordingListener();
        Subscription firstWatch = discovery.watch("shared", first);
        await().atMost(PROMPTLY).until(() -> first.latest().equals(List.of(instance)));
        RecordingListener second = new RecordingListener();
        Subscription secondWatch = discovery.watch("shared", second);
        await().atMost(PROMPTLY).until(() -> second.latest().equals(List.of(instance)));
        var channel = registrant.getTopic(prefix + "{shared}:changes", StringCodec.INSTANCE);
        assertThat(channel.countSubscribers()).isEqualTo(1);

        firstWatch.close();
        firstWatch.close();
        ServiceInstance other = ServiceInstance.of(URI.create("http://10.0.2.2:80"));
        register("shared", other, Duration.ofSeconds(15), Duration.ofSeconds(5));
        await().atMost(PROMPTLY).until(() -> second.latest().size() == 2);
        assertThat(first.deliveries()).containsExactly(List.of(instance));

        secondWatch.close();
        await().atMost(PROMPTLY).until(() -> channel.countSubscribers() == 0);
    }

    @Test
    void reportsHealthAndMetrics() {
        RedisDiscovery discovery = discovery("refresh-interval = 100ms\n");
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("catalog", listener));
        register("catalog", ServiceInstance.of(URI.create("http://10.0.3.1:80")), Duration.ofSeconds(15), Duration.ofSeconds(5));
        await().atMost(PROMPTLY).until(() -> listener.latest().size() == 1);

        Health health = context.health().get("discovery").check();
        assertThat(health.status()).isEqualTo(Health.Status.UP);
        assertThat(health.details()).containsEntry("services", 1).containsKeys("last-refresh", "time-since-last-refresh-ms");
        String scrape = new String(context.gatewayMetrics().scrape(), StandardCharsets.UTF_8);
        assertThat(scrape).contains("tollgate_discovery_redis_instances{service=\"catalog\"} 1.0")
                .contains("tollgate_discovery_redis_refreshes_total{service=\"catalog\"}")
                .contains("tollgate_discovery_redis_notifications_total{service=\"catalog\"}")
                .contains("tollgate_discovery_redis_seconds_since_last_refresh");
    }

    @Test
    void refusesServiceNamesThatBreakTheHashTagAndUseAfterClose() {
        RedisDiscovery discovery = discovery("");
        assertThatThrownBy(() -> discovery.watch("a}b", new RecordingListener()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without { or }");
        RedisServiceRegistration registration = register("ok", ServiceInstance.of(URI.create("http://10.0.4.1:80")),
                Duration.ofSeconds(15), Duration.ofSeconds(5));
        assertThatThrownBy(() -> registration.update(ServiceInstance.of(URI.create("http://10.0.4.2:80"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keeps the instance id");
        discovery.close();
        assertThatThrownBy(() -> discovery.watch("ok", new RecordingListener())).isInstanceOf(IllegalStateException.class);
    }

    private RedisDiscovery discovery(String hocon) {
        PluginConfig config = TestingPluginContext.componentConfig(loader, "discovery.redis", "redis",
                "key-prefix = \"" + prefix + "\"\n" + hocon);
        RedisDiscovery discovery = (RedisDiscovery) new RedisDiscovery.Factory().create(config, context);
        resources.push(discovery);
        return discovery;
    }

    private RedisServiceRegistration register(String service, ServiceInstance instance, Duration ttl, Duration heartbeat) {
        RedisServiceRegistration registration = RedisServiceRegistration.builder(registrant, service, instance)
                .keyPrefix(prefix)
                .ttl(ttl)
                .heartbeatInterval(heartbeat)
                .start();
        resources.push(registration::abandon);
        return registration;
    }
}
