package dev.tollgate.plugin.support.redis;

import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.runtime.tls.KeyStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.ShardedSubscriptionMode;
import org.redisson.config.SingleServerConfig;
import org.redisson.config.SslVerificationMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every setting of {@link RedisSettings} reaches Redisson, in each mode; the plugin's shape only in the modes it names. */
class RedissonConnectionTest {
    private static final RedisSettings SINGLE = RedisSettings.builder("s").address("redis://10.0.0.3:6380").database(3).build();
    private static final RedisSettings SENTINEL = RedisSettings.builder("m")
            .mode(RedisSettings.Mode.SENTINEL)
            .addresses(List.of("redis://10.0.0.1:26379", "redis://10.0.0.2:26379"))
            .masterName("mymaster")
            .build();
    private static final RedisSettings CLUSTER = RedisSettings.builder("c")
            .mode(RedisSettings.Mode.CLUSTER)
            .addresses(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000"))
            .build();

    @Test
    void singleServer() {
        RedisSettings redis = RedisSettings.builder("s")
                .address("redis://10.0.0.3:6380")
                .database(3)
                .username("gateway").password("s3cret")
                .connectTimeout(Duration.ofMillis(1500)).timeout(Duration.ofMillis(700))
                .reconnect(Duration.ofMillis(50), Duration.ofSeconds(4))
                .pingInterval(Duration.ofSeconds(7))
                .build();
        Config config = RedissonConnection.configure(redis, "test-client").config();
        assertThat(config.isUseThreadClassLoader()).as("classes from the plugin's loader, not the calling thread's").isFalse();
        assertThat(config.isLazyInitialization()).isFalse();
        assertThat(config.isSingleConfig()).isTrue();
        SingleServerConfig server = config.useSingleServer(); // returns the one already set
        assertThat(server.getAddress()).isEqualTo("redis://10.0.0.3:6380");
        assertThat(server.getDatabase()).isEqualTo(3);
        assertThat(server.getClientName()).isEqualTo("test-client");
        assertThat(server.getUsername()).isEqualTo("gateway");
        assertThat(server.getPassword()).isEqualTo("s3cret");
        assertThat(server.getConnectTimeout()).isEqualTo(1500);
        assertThat(server.getTimeout()).isEqualTo(700);
        assertThat(server.getSubscriptionTimeout()).isEqualTo(700);
        assertThat(server.getReconnectionDelay()).isInstanceOfSatisfying(EqualJitterDelay.class, delay -> {
            assertThat(delay.getBaseDelay()).isEqualTo(Duration.ofMillis(50));
            assertThat(delay.getMaxDelay()).isEqualTo(Duration.ofSeconds(4));
        });
        assertThat(server.getPingConnectionInterval()).isEqualTo(7000);
        assertThat(server.getSslVerificationMode()).isEqualTo(SslVerificationMode.STRICT);
        assertThat(server.getSslTrustManagerFactory()).as("the JDK's trust store").isNull();
        assertThat(server.getSslKeyManagerFactory()).isNull();
    }

    @Test
    void noCredentialsAndNoPings() {
        SingleServerConfig server = RedissonConnection.configure(RedisSettings.builder("s").pingInterval(Duration.ZERO).build(), "c")
                .config().useSingleServer();
        assertThat(server.getAddress()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(server.getUsername()).isNull();
        assertThat(server.getPassword()).isNull();
        assertThat(server.getPingConnectionInterval()).isZero();
    }

    @Test
    void sentinelsWithTheirOwnCredentialsAndTls(@TempDir Path directory) {
        Path store = KeyStores.selfSigned(directory, List.of("localhost")).source();
        RedisSettings.Store keys = new RedisSettings.Store(store, Optional.of(KeyStores.SELF_SIGNED_PASSWORD), "PKCS12");
        RedisSettings redis = RedisSettings.builder("main")
                .mode(RedisSettings.Mode.SENTINEL)
                .addresses(List.of("rediss://10.0.0.1:26379", "rediss://10.0.0.2:26379"))
                .masterName("mymaster")
                .username("gateway").password("s3cret")
                .sentinelUsername("watcher").sentinelPassword("other")
                .database(2)
                .tls(new RedisSettings.Tls(Optional.of(keys), Optional.of(keys), false))
                .build();
        Config config = RedissonConnection.configure(redis, "test-client").config();
        assertThat(config.isSentinelConfig()).isTrue();
        SentinelServersConfig server = config.useSentinelServers();
        assertThat(server.getSentinelAddresses()).containsExactly("rediss://10.0.0.1:26379", "rediss://10.0.0.2:26379");
        assertThat(server.getMasterName()).isEqualTo("mymaster");
        assertThat(server.getDatabase()).isEqualTo(2);
        assertThat(server.getUsername()).isEqualTo("gateway");
        assertThat(server.getPassword()).isEqualTo("s3cret");
        assertThat(server.getSentinelUsername()).isEqualTo("watcher");
        assertThat(server.getSentinelPassword()).isEqualTo("other");
        assertThat(server.isCheckSentinelsList()).as("one reachable Sentinel is enough").isFalse();
        assertThat(server.getClientName()).isEqualTo("test-client");
        assertThat(server.getSslVerificationMode()).isEqualTo(SslVerificationMode.CA_ONLY);
        assertThat(server.getSslTrustManagerFactory()).isNotNull();
        assertThat(server.getSslKeyManagerFactory()).isNotNull();
    }

    @Test
    void clusterNodes() {
        Config config = RedissonConnection.configure(CLUSTER, "test-client").config();
        assertThat(config.isClusterConfig()).isTrue();
        ClusterServersConfig server = config.useClusterServers();
        assertThat(server.getNodeAddresses()).containsExactly("redis://10.0.0.1:7000", "redis://10.0.0.2:7000");
        assertThat(server.getClientName()).isEqualTo("test-client");
        assertThat(server.getTimeout()).isEqualTo(3000);
    }

    @ParameterizedTest
    @EnumSource(RedisSettings.Mode.class)
    void thePluginsShapeAppliesOnlyInTheModesItNamesAfterTheConnection(RedisSettings.Mode mode) {
        RedisSettings redis = switch (mode) {
            case SINGLE -> SINGLE;
            case SENTINEL -> SENTINEL;
            case CLUSTER -> CLUSTER;
        };
        List<String> applied = new ArrayList<>();
        Config config = RedissonConnection.configure(redis, "test-client")
                .single(server -> {
                    applied.add("single");
                    server.setConnectionPoolSize(4);
                })
                .masterAndReplicas(servers -> {
                    applied.add("masterAndReplicas");
                    servers.setReadMode(ReadMode.MASTER).setMasterConnectionPoolSize(5);
                })
                .cluster(cluster -> {
                    applied.add("cluster");
                    cluster.setShardedSubscriptionMode(ShardedSubscriptionMode.OFF);
                })
                .everyMode(server -> {
                    applied.add("everyMode " + server.getClientName());
                    server.setRetryAttempts(0);
                })
                .config();
        BaseConfig<?> server;
        switch (mode) {
            case SINGLE -> {
                assertThat(applied).containsExactly("single", "everyMode test-client");
                assertThat(config.useSingleServer().getConnectionPoolSize()).isEqualTo(4);
                server = config.useSingleServer();
            }
            case SENTINEL -> {
                assertThat(applied).containsExactly("masterAndReplicas", "everyMode test-client");
                assertThat(config.useSentinelServers().getMasterConnectionPoolSize()).isEqualTo(5);
                server = config.useSentinelServers();
            }
            default -> {
                assertThat(applied).containsExactly("masterAndReplicas", "cluster", "everyMode test-client");
                assertThat(config.useClusterServers().getMasterConnectionPoolSize()).isEqualTo(5);
                assertThat(config.useClusterServers().getShardedSubscriptionMode()).isEqualTo(ShardedSubscriptionMode.OFF);
                server = config.useClusterServers();
            }
        }
        assertThat(server.getRetryAttempts()).isZero();
    }

    @Test
    void aStoreThatCannotBeReadIsNamed(@TempDir Path directory) throws Exception {
        Path broken = Files.writeString(directory.resolve("broken.p12"), "not a key store");
        RedisSettings.Store store = new RedisSettings.Store(broken, Optional.of("changeit"), "PKCS12");
        RedisSettings trusting = RedisSettings.builder("s").tls(new RedisSettings.Tls(Optional.of(store), Optional.empty(), true)).build();
        assertThatThrownBy(() -> RedissonConnection.configure(trusting, "c"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot use the trust store " + broken);
        RedisSettings presenting = RedisSettings.builder("s").tls(new RedisSettings.Tls(Optional.empty(), Optional.of(store), true)).build();
        assertThatThrownBy(() -> RedissonConnection.configure(presenting, "c"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot use the key store " + broken);
    }
}
