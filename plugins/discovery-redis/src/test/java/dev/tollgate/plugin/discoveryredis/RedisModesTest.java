package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sentinel and Cluster modes against real processes of the test's own, configured as a
 * {@code gateway.redis} connection: a master watched by one Sentinel, and a three-node cluster in
 * which two services hash to different nodes.
 */
class RedisModesTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(15);
    private static final String NO_POLLING = "refresh-interval = 1h, max-retry-interval = 1h\n";

    private final ClassLoader loader = RedisDiscoveryPlugin.class.getClassLoader();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private TestingPluginContext context;
    private Path directory;

    @BeforeEach
    void setUp() throws IOException {
        context = new TestingPluginContext("discovery-redis");
        directory = Files.createTempDirectory("tollgate-redis-modes");
    }

    @AfterEach
    void tearDown() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        context.close();
        TestGateway.delete(directory);
    }

    @Test
    void findsTheMasterThroughSentinel() throws Exception {
        RedisServerProcess master = started(RedisServerProcess.onFreePort());
        RedisServerProcess sentinel = started(RedisServerProcess.sentinelOnFreePort(directory, "registry", master));
        RedissonClient registrant = closing(SharedRedis.client(master.address()));

        context.withRedis("default", "mode = sentinel, addresses = [\"%s\"], master-name = registry".formatted(sentinel.address()));
        RedisDiscovery discovery = discovery("");
        RecordingListener listener = new RecordingListener();
        resources.push(discovery.watch("orders", listener));
        ServiceInstance instance = new ServiceInstance("orders-1", URI.create("http://10.2.0.1:80"), 2, Map.of("zone", "a"));
        RedisServiceRegistration registration = RedisServiceRegistration.builder(registrant, "orders", instance).start();
        resources.push(registration::abandon);
        await().atMost(PROMPTLY).until(() -> listener.latest().equals(List.of(instance)));
        registration.deregister();
        await().atMost(PROMPTLY).until(() -> listener.latest().isEmpty());
    }

    @Test
    void worksAcrossTheNodesOfACluster() throws Exception {
        List<RedisServerProcess> nodes = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            nodes.add(started(RedisServerProcess.clusterNodeOnFreePort(directory)));
        }
        createCluster(nodes);
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.setNettyThreads(2);
        config.useClusterServers().addNodeAddress(nodes.get(0).address());
        RedissonClient registrant = closing(Redisson.create(config));

        context.withRedis("default", "mode = cluster, addresses = [\"%s\"]".formatted(nodes.get(1).address()));
        RedisDiscovery discovery = discovery(NO_POLLING);
        // Hash tags {orders} and {billing} live in different slots, on different nodes.
        assertThat(registrant.getKeys().getSlot("{orders}")).isNotEqualTo(registrant.getKeys().getSlot("{billing}"));
        RecordingListener orders = new RecordingListener();
        RecordingListener billing = new RecordingListener();
        resources.push(discovery.watch("orders", orders));
        resources.push(discovery.watch("billing", billing));
        await().atMost(PROMPTLY).until(() -> orders.delivered() && billing.delivered());

        ServiceInstance order = ServiceInstance.of(URI.create("http://10.3.0.1:80"));
        ServiceInstance bill = ServiceInstance.of(URI.create("http://10.3.0.2:80"));
        RedisServiceRegistration orderRegistration = RedisServiceRegistration.builder(registrant, "orders", order).start();
        resources.push(orderRegistration::abandon);
        RedisServiceRegistration billRegistration = RedisServiceRegistration.builder(registrant, "billing", bill).start();
        resources.push(billRegistration::abandon);
        await().atMost(PROMPTLY).until(() -> orders.latest().equals(List.of(order)) && billing.latest().equals(List.of(bill)));

        orderRegistration.deregister();
        await().atMost(PROMPTLY).until(() -> orders.latest().isEmpty());
        assertThat(billing.latest()).containsExactly(bill);
    }

    private void createCluster(List<RedisServerProcess> nodes) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(node -> command.add("127.0.0.1:" + node.port()));
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(create.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue()).as(output).isZero();
        for (RedisServerProcess node : nodes) {
            await().atMost(PROMPTLY).until(() -> clusterInfo(node).contains("cluster_state:ok"));
        }
    }

    private static String clusterInfo(RedisServerProcess node) throws Exception {
        Process info = new ProcessBuilder("redis-cli", "-p", Integer.toString(node.port()), "cluster", "info")
                .redirectErrorStream(true).start();
        String output = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor(10, TimeUnit.SECONDS);
        return output;
    }

    private RedisServerProcess started(RedisServerProcess server) throws IOException {
        resources.push(server);
        return server.start();
    }

    private RedissonClient closing(RedissonClient client) {
        resources.push(() -> client.shutdown(0, 2, TimeUnit.SECONDS));
        return client;
    }

    private RedisDiscovery discovery(String hocon) {
        PluginConfig config = TestingPluginContext.componentConfig(loader, "discovery.redis", "redis", hocon);
        RedisDiscovery discovery = (RedisDiscovery) new RedisDiscovery.Factory().create(config, context);
        resources.push(discovery);
        return discovery;
    }
}
