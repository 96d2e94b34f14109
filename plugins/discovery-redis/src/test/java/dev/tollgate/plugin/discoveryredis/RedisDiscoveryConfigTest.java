package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.plugin.discoveryredis.internal.DiscoverySettings;
import dev.tollgate.plugin.discoveryredis.internal.RedisConnectionSettings;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Defaults as documented in reference.conf; every bad value refused with its key, in create. */
class RedisDiscoveryConfigTest {
    private final ClassLoader loader = RedisDiscoveryPlugin.class.getClassLoader();

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "discovery.redis", "redis", hocon);
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        DiscoverySettings settings = DiscoverySettings.read(config(""));
        RedisConnectionSettings connection = settings.connection();
        assertThat(connection.mode()).isEqualTo(RedisConnectionSettings.Mode.SINGLE);
        assertThat(connection.address()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(connection.addresses()).isEmpty();
        assertThat(connection.masterName()).isEmpty();
        assertThat(connection.username()).isEmpty();
        assertThat(connection.password()).isEmpty();
        assertThat(connection.database()).isZero();
        assertThat(connection.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(connection.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.keyPrefix()).isEqualTo("tollgate:services:").isEqualTo(RedisServiceRegistration.DEFAULT_KEY_PREFIX);
        assertThat(settings.refreshInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.maxRetryInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.instanceTtl()).isEqualTo(Duration.ofSeconds(15)).isEqualTo(RedisServiceRegistration.DEFAULT_TTL);
        assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5))
                .isEqualTo(RedisServiceRegistration.DEFAULT_HEARTBEAT_INTERVAL);
        assertThat(settings.keys("orders").liveness()).isEqualTo("tollgate:services:{orders}");
        assertThat(settings.keys("orders").instances()).isEqualTo("tollgate:services:{orders}:instances");
        assertThat(settings.keys("orders").changes()).isEqualTo("tollgate:services:{orders}:changes");
    }

    @Test
    void readsEveryMode() {
        DiscoverySettings sentinel = DiscoverySettings.read(config("""
                mode = sentinel, addresses = ["redis://10.0.0.1:26379", "rediss://10.0.0.2:26379"], master-name = mymaster
                username = gateway, password = "s3cret", database = 2, connect-timeout = 500ms, timeout = 250ms
                """));
        assertThat(sentinel.connection().mode()).isEqualTo(RedisConnectionSettings.Mode.SENTINEL);
        assertThat(sentinel.connection().addresses()).containsExactly("redis://10.0.0.1:26379", "rediss://10.0.0.2:26379");
        assertThat(sentinel.connection().masterName()).isEqualTo("mymaster");
        assertThat(sentinel.connection().username()).contains("gateway");
        assertThat(sentinel.connection().password()).contains("s3cret");
        Config redisson = sentinel.connection().toRedissonConfig("test");
        assertThat(redisson.isSentinelConfig()).isTrue();
        assertThat(redisson.isLazyInitialization()).isFalse();

        DiscoverySettings cluster = DiscoverySettings.read(config("mode = cluster, addresses = [\"redis://10.0.0.1:7000\"]"));
        assertThat(cluster.connection().mode()).isEqualTo(RedisConnectionSettings.Mode.CLUSTER);
        assertThat(cluster.connection().toRedissonConfig("test").isClusterConfig()).isTrue();

        DiscoverySettings single = DiscoverySettings.read(config("address = \"rediss://redis.internal:6380\", database = 3"));
        assertThat(single.connection().toRedissonConfig("test").isSingleConfig()).isTrue();
        assertThat(single.connection().database()).isEqualTo(3);
    }

    @Test
    void neverPrintsThePassword() {
        DiscoverySettings settings = DiscoverySettings.read(config("password = \"s3cret\""));
        assertThat(settings.toString()).doesNotContain("s3cret").contains("password=***");
        assertThat(settings.connection().password()).isEqualTo(Optional.of("s3cret"));
    }

    @Test
    void refusesUnknownKeysAndWrongTypesNamingThePath() {
        assertThatThrownBy(() -> config("refresh-intervall = 1s"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.refresh-intervall")
                .hasMessageContaining("did you mean 'refresh-interval'");
        assertThatThrownBy(() -> DiscoverySettings.read(config("timeout = soon")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.timeout");
    }

    @Test
    void refusesBadValuesNamingTheKey() {
        List<String[]> cases = List.of(
                new String[] {"mode = standalone", "mode", "must be single, sentinel or cluster"},
                new String[] {"address = \"127.0.0.1:6379\"", "address", "must start with redis://"},
                new String[] {"address = \"http://127.0.0.1:6379\"", "address", "must start with redis://"},
                new String[] {"address = \"redis://127.0.0.1\"", "address", "needs a host and a port"},
                new String[] {"address = \"redis://user:pw@127.0.0.1:6379\"", "address", "put credentials in username and password"},
                new String[] {"address = \"redis://127.0.0.1:6379/2\"", "address", "set the database with database"},
                new String[] {"addresses = [\"redis://127.0.0.1:6379\"]", "addresses", "in single mode set address"},
                new String[] {"master-name = mymaster", "master-name", "only in sentinel mode"},
                new String[] {"mode = sentinel, master-name = mymaster", "addresses", "missing: list at least one Sentinel"},
                new String[] {"mode = sentinel, addresses = [\"redis://10.0.0.1:26379\"]", "master-name", "missing"},
                new String[] {"mode = cluster, addresses = [\"redis://10.0.0.1:7000\", \"10.0.0.2:7000\"]", "addresses",
                        "'10.0.0.2:7000' must start with redis://"},
                new String[] {"mode = cluster, addresses = [\"redis://10.0.0.1:7000\"], database = 1", "database", "must be 0 in cluster mode"},
                new String[] {"database = -1", "database", "must be 0 or more"},
                new String[] {"username = gateway", "username", "needs a password"},
                new String[] {"connect-timeout = 0s", "connect-timeout", "at least 1ms"},
                new String[] {"timeout = 0ms", "timeout", "at least 1ms"},
                new String[] {"key-prefix = \"app:{x}:\"", "key-prefix", "must not contain { or }"},
                new String[] {"refresh-interval = 1ms", "refresh-interval", "at least 10ms"},
                new String[] {"refresh-interval = 5s, max-retry-interval = 1s", "max-retry-interval", "at least refresh-interval"},
                new String[] {"instance-ttl = 0s", "instance-ttl", "at least 1ms"},
                new String[] {"instance-ttl = 5s, heartbeat-interval = 5s", "heartbeat-interval", "shorter than instance-ttl"});
        try (TestingPluginContext context = new TestingPluginContext("discovery-redis")) {
            for (String[] each : cases) {
                PluginConfig config = config(each[0]);
                assertThatThrownBy(() -> new RedisDiscovery.Factory().create(config, context))
                        .as(each[0])
                        .isInstanceOf(InvalidConfigException.class)
                        .hasMessageContaining("test.discovery.redis." + each[1])
                        .hasMessageContaining(each[2]);
            }
        }
    }
}
