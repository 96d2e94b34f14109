package dev.tollgate.plugin.ratelimit;

import dev.tollgate.plugin.ratelimit.internal.KeySource;
import dev.tollgate.plugin.ratelimit.internal.Policy;
import dev.tollgate.plugin.ratelimit.internal.RedisConnection;
import dev.tollgate.plugin.ratelimit.internal.RedisStore;
import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store on a three-node Redis Cluster of the test's own (gateway.redis mode = cluster):
 * each key's script call goes to the node of its hash tag's slot, and the limits hold on every node.
 */
class RedisClusterTest {

    @Test
    void limitsHoldAcrossTheNodesOfACluster() throws Exception {
        Path directory = Files.createTempDirectory("tollgate-rate-limit-cluster");
        List<Redis.Server> servers = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Redis.Server node = Redis.Server.clusterNodeOnFreePort(directory);
                servers.add(node);
                node.start();
                ports.add(node.port());
            }
            createCluster(ports);
            try (TestingPluginContext context = new TestingPluginContext("rate-limit")
                    .withRedis("default", "mode = cluster, addresses = [\"redis://127.0.0.1:%d\"]".formatted(ports.get(0)))) {
                RedisConnection connection = RedisConnection.start(context.redis("default"), context.blockingExecutor(), context.scheduler());
                try {
                    await("connected to the cluster").atMost(Duration.ofSeconds(30)).until(() -> connection.script() != null);
                    RedisStore store = new RedisStore(connection);
                    Policy policy = new Policy("cluster", List.of(new KeySource.Ip()), 3, Duration.ofMinutes(1),
                            Policy.Algorithm.SLIDING_WINDOW, 3, Optional.empty());
                    for (int client = 0; client < 30; client++) {
                        String key = "10.0.0." + client;
                        int admitted = 0;
                        for (int i = 0; i < 5; i++) {
                            if (store.decide(policy, key).toCompletableFuture().get(10, TimeUnit.SECONDS).admitted()) {
                                admitted++;
                            }
                        }
                        assertThat(admitted).as(key).isEqualTo(3);
                    }
                    int nodesHoldingKeys = 0;
                    for (int port : ports) {
                        if (Long.parseLong(Redis.command(port, "DBSIZE")) > 0) {
                            nodesHoldingKeys++;
                        }
                    }
                    assertThat(nodesHoldingKeys).as("30 keys spread over the slots of three masters").isEqualTo(3);
                }
                finally {
                    connection.close();
                }
            }
        }
        finally {
            for (Redis.Server server : servers) {
                server.close();
            }
            TestGateway.delete(directory);
        }
    }

    private static void createCluster(List<Integer> ports) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/redis-cli", "--cluster", "create"));
        ports.forEach(port -> command.add("127.0.0.1:" + port));
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(create.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue()).as(output).isZero();
        for (int port : ports) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Redis.command(port, "CLUSTER", "INFO").contains("cluster_state:ok"));
        }
    }
}
