package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.discoveryredis.internal.DiscoverySettings;
import dev.tollgate.plugin.discoveryredis.internal.RedissonConfigs;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.SingleServerConfig;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Defaults as documented in reference.conf; the Redis connection chosen by {@code redis}, through
 * the deprecated keys, or by default; the plugin's Redisson client on that connection;
 * every bad value refused with its key, in create.
 */
class RedisDiscoveryConfigTest {
    private final ClassLoader loader = RedisDiscoveryPlugin.class.getClassLoader();
    private final TestingPluginContext context = new TestingPluginContext("discovery-redis");

    @AfterEach
    void tearDown() {
        context.close();
    }

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "discovery.redis", "redis", hocon);
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        DiscoverySettings settings = DiscoverySettings.read(config(""), context);
        assertThat(settings.redis()).as("no gateway.redis at all: 127.0.0.1:6379").isEqualTo(RedisSettings.builder("default").build());
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
    void usesTheGatewayRedisConnectionThatRedisNamesDefaultByDefault() {
        context.withRedis("default", "address = \"redis://10.0.0.1:6379\"")
                .withRedis("registry", "mode = sentinel, addresses = [\"redis://10.0.0.2:26379\"], master-name = registry");
        assertThat(DiscoverySettings.read(config(""), context).redis()).isSameAs(context.redis("default"));
        assertThat(DiscoverySettings.read(config("redis = registry"), context).redis()).isSameAs(context.redis("registry"));
    }

    @Test
    void withoutAnyGatewayRedisConnectsToTheLocalRedisAndSaysSo() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            assertThat(DiscoverySettings.read(config(""), context).redis().address()).isEqualTo("redis://127.0.0.1:6379");
            assertThat(logs.infos()).containsExactly("test.discovery.redis: no Redis connection is configured (gateway.redis is "
                    + "empty): using redis://127.0.0.1:6379 with the defaults of a gateway.redis entry; declare gateway.redis.default { … } to choose");
        }
    }

    @Test
    void aConnectionThatDoesNotExistIsAnErrorOfTheRedisKey() {
        assertThatThrownBy(() -> DiscoverySettings.read(config("redis = default"), context))
                .as("written, it must exist, even when gateway.redis is empty")
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.redis: no Redis connection 'default': gateway.redis has none");
        context.withRedis("main", "");
        assertThatThrownBy(() -> DiscoverySettings.read(config("redis = mian"), context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.redis: no Redis connection 'mian' in gateway.redis; configured: main (did you mean 'main'?)");
        assertThatThrownBy(() -> DiscoverySettings.read(config(""), context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.redis: no Redis connection 'default' in gateway.redis; configured: main "
                        + "(redis is not set, so it is 'default')");
    }

    @Test
    void theDeprecatedKeysStillWorkWithOneWarningNamingThem() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            DiscoverySettings settings = DiscoverySettings.read(config("""
                    mode = sentinel, addresses = ["redis://10.0.0.1:26379", "rediss://10.0.0.2:26379"], master-name = mymaster
                    username = gateway, password = "s3cret", database = 2, connect-timeout = 500ms, timeout = 250ms
                    max-retry-interval = 20s
                    """), context);
            assertThat(settings.redis()).isEqualTo(RedisSettings.builder("test.discovery.redis")
                    .mode(RedisSettings.Mode.SENTINEL)
                    .addresses(List.of("redis://10.0.0.1:26379", "rediss://10.0.0.2:26379"))
                    .masterName("mymaster")
                    .username("gateway")
                    .password("s3cret")
                    .database(2)
                    .connectTimeout(Duration.ofMillis(500))
                    .timeout(Duration.ofMillis(250))
                    .reconnect(Duration.ofMillis(100), Duration.ofSeconds(20))
                    .build());
            assertThat(logs.warnings()).containsExactly("test.discovery.redis: mode, addresses, master-name, username, password, "
                    + "database, connect-timeout, timeout are deprecated and will be removed in discovery-redis 1.2.0: move them to "
                    + "gateway.redis.default { … }, which this uses unless redis = <name> names another connection");
        }
        DiscoverySettings single = DiscoverySettings.read(config("address = \"rediss://redis.internal:6380\""), context);
        assertThat(single.redis()).as("1.0's defaults for the keys not written")
                .isEqualTo(RedisSettings.builder("test.discovery.redis").address("rediss://redis.internal:6380")
                        .reconnect(Duration.ofMillis(100), Duration.ofSeconds(30)).build());
    }

    @Test
    void theDeprecatedKeysAndRedisTogetherAreAnError() {
        context.withRedis("default", "");
        assertThatThrownBy(() -> DiscoverySettings.read(config("redis = default, address = \"redis://10.0.0.1:6379\", password = x"), context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.redis: names a gateway.redis connection, so the connection keys address, "
                        + "password must not be written here as well: set them in gateway.redis.default");
    }

    @Test
    void neverPrintsThePassword() {
        context.withRedis("default", "password = \"s3cret\"");
        DiscoverySettings settings = DiscoverySettings.read(config(""), context);
        assertThat(settings.toString()).doesNotContain("s3cret").contains("password=****");
        assertThat(settings.redis().password()).isEqualTo(Optional.of("s3cret"));
    }

    /** The connection itself is mapped by redis-support (RedissonConnectionTest has every setting); here, the discovery's shape. */
    @Test
    void redissonGetsTheConnectionInTheDiscoverysShape() {
        Config config = RedissonConfigs.create(RedisSettings.builder("main")
                .mode(RedisSettings.Mode.SENTINEL)
                .addresses(List.of("redis://10.0.0.1:26379"))
                .masterName("mymaster")
                .password("s3cret")
                .build(), "test-client");
        assertThat(config.getCodec()).isSameAs(StringCodec.INSTANCE);
        assertThat(config.isLazyInitialization()).isFalse();
        assertThat(config.getNettyThreads()).isEqualTo(2);
        assertThat(config.getThreads()).isEqualTo(2);
        SentinelServersConfig server = sentinelConfig(config);
        assertThat(server.getSentinelAddresses()).containsExactly("redis://10.0.0.1:26379");
        assertThat(server.getMasterName()).isEqualTo("mymaster");
        assertThat(server.getPassword()).isEqualTo("s3cret");
        assertThat(server.getClientName()).isEqualTo("test-client");
        assertThat(server.getReadMode()).isEqualTo(ReadMode.MASTER);
        assertThat(server.getMasterConnectionPoolSize()).isEqualTo(4);
        assertThat(server.getSubscriptionConnectionPoolSize()).isEqualTo(8);
        assertThat(server.getRetryAttempts()).isZero();

        ClusterServersConfig cluster = clusterConfig(RedissonConfigs.create(RedisSettings.builder("c").mode(RedisSettings.Mode.CLUSTER)
                .addresses(List.of("redis://10.0.0.1:7000")).build(), "test-client"));
        assertThat(cluster.getNodeAddresses()).containsExactly("redis://10.0.0.1:7000");
        assertThat(cluster.getReadMode()).isEqualTo(ReadMode.MASTER);
        assertThat(cluster.getMasterConnectionPoolSize()).isEqualTo(4);
        assertThat(cluster.getRetryAttempts()).isZero();

        SingleServerConfig single = singleConfig(RedissonConfigs.create(RedisSettings.builder("s").address("redis://10.0.0.3:6380")
                .database(3).build(), "test-client"));
        assertThat(single.getAddress()).isEqualTo("redis://10.0.0.3:6380");
        assertThat(single.getDatabase()).isEqualTo(3);
        assertThat(single.getConnectionPoolSize()).isEqualTo(4);
        assertThat(single.getSubscriptionConnectionPoolSize()).isEqualTo(8);
        assertThat(single.getRetryAttempts()).isZero();
    }

    @Test
    void refusesUnknownKeysAndWrongTypesNamingThePath() {
        assertThatThrownBy(() -> config("refresh-intervall = 1s"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.refresh-intervall")
                .hasMessageContaining("did you mean 'refresh-interval'");
        assertThatThrownBy(() -> DiscoverySettings.read(config("refresh-interval = soon"), context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.discovery.redis.refresh-interval");
    }

    /** The deprecated keys are checked as 1.0 checked them; the plugin's own keys as ever. */
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
        for (String[] each : cases) {
            PluginConfig config = config(each[0]);
            assertThatThrownBy(() -> new RedisDiscovery.Factory().create(config, context))
                    .as(each[0])
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("test.discovery.redis." + each[1])
                    .hasMessageContaining(each[2]);
        }
    }

    /** The server settings Redisson holds ({@code use…} returns the ones already set). */
    private static SentinelServersConfig sentinelConfig(Config config) {
        assertThat(config.isSentinelConfig()).isTrue();
        return config.useSentinelServers();
    }

    private static ClusterServersConfig clusterConfig(Config config) {
        assertThat(config.isClusterConfig()).isTrue();
        return config.useClusterServers();
    }

    private static SingleServerConfig singleConfig(Config config) {
        assertThat(config.isSingleConfig()).isTrue();
        return config.useSingleServer();
    }
}
