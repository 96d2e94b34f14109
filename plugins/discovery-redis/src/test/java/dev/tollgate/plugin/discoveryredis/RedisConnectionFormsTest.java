package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The discovery reaches the shared Redis through either form of its connection: a
 * {@code gateway.redis} entry named by {@code redis}, and the deprecated keys written in the
 * discovery block (with one warning naming them).
 */
class RedisConnectionFormsTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

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
        context = new TestingPluginContext("discovery-redis");
        registrant = SharedRedis.client(SharedRedis.ADDRESS);
    }

    @AfterEach
    void tearDown() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        registrant.getKeys().deleteByPattern(prefix + "*");
        registrant.shutdown(0, 2, TimeUnit.SECONDS);
        context.close();
    }

    @Test
    void throughTheGatewayRedisConnectionThatRedisNames() {
        context.withRedis("registry", "address = \"" + SharedRedis.ADDRESS + "\", timeout = 2s");
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            findsARegisteredInstance(discovery("redis = registry"));
            assertThat(logs.infos()).isEmpty();
        }
    }

    @Test
    void throughTheDeprecatedKeysWithOneWarning() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            findsARegisteredInstance(discovery("address = \"" + SharedRedis.ADDRESS + "\", timeout = 2s"));
            assertThat(logs.warnings()).containsExactly("test.discovery.redis: address, timeout are deprecated and will be removed "
                    + "in discovery-redis 1.2.0: move them to gateway.redis.default { … }, which this uses unless redis = <name> "
                    + "names another connection");
        }
    }

    private void findsARegisteredInstance(RedisDiscovery discovery) {
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("orders", listener));
        ServiceInstance instance = ServiceInstance.of(URI.create("http://10.9.0.1:80"));
        RedisServiceRegistration registration = RedisServiceRegistration.builder(registrant, "orders", instance).keyPrefix(prefix).start();
        resources.push(registration::abandon);
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(instance)));
    }

    private RedisDiscovery discovery(String hocon) {
        PluginConfig config = TestingPluginContext.componentConfig(loader, "discovery.redis", "redis",
                "key-prefix = \"" + prefix + "\", refresh-interval = 1h, max-retry-interval = 1h\n" + hocon);
        RedisDiscovery discovery = (RedisDiscovery) new RedisDiscovery.Factory().create(config, context);
        resources.push(discovery);
        return discovery;
    }
}
