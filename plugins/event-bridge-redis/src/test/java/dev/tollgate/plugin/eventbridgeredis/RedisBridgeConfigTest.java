package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.eventbridgeredis.internal.RedisBridgeSettings;
import dev.tollgate.plugin.eventbridgeredis.internal.RedissonConfigs;
import dev.tollgate.plugin.support.redis.RedisConnectionSelector;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.ShardedSubscriptionMode;
import org.redisson.config.SingleServerConfig;
import org.redisson.config.SubscriptionMode;
import org.redisson.connection.ConnectionListener;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Defaults as documented in reference.conf; the Redis connection chosen by {@code redis}, through
 * the deprecated keys, or by default; the plugin's Redisson client on that connection;
 * unknown keys and bad values refused, naming the key.
 */
class RedisBridgeConfigTest {
    private final TestingPluginContext context = new TestingPluginContext("event-bridge-redis");

    @AfterEach
    void tearDown() {
        context.close();
    }

    private RedisBridgeSettings read(String hocon) {
        return RedisBridgeSettings.read(BridgeInstance.config(hocon), context);
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        RedisBridgeSettings settings = read("");
        assertThat(settings.redis()).as("no gateway.redis at all: 127.0.0.1:6379").isEqualTo(RedisSettings.builder("default").build());
        assertThat(settings.addresses()).containsExactly("redis://127.0.0.1:6379");
        RedisBridgeSettings.Client client = settings.client();
        assertThat(client.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(client.connections()).isEqualTo(8);
        assertThat(client.subscriptionConnections()).isEqualTo(2);
        assertThat(client.subscriptionsPerConnection()).isEqualTo(1000);
        assertThat(client.ioThreads()).isEqualTo(4);
        assertThat(client.listenerThreads()).isEqualTo(2);
        assertThat(settings.channelPrefix()).as("never the whole of Redis' channels").isEqualTo("tollgate:events:");
        assertThat(settings.keyPrefix()).isEqualTo("tollgate:");
        assertThat(settings.history()).isEmpty();
        assertThat(settings.historyIdleExpiry()).isEqualTo(Duration.ofHours(1));
        assertThat(settings.presence().ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.presence().refreshInterval()).isEqualTo(Duration.ofSeconds(10));
        RedisBridgeSettings.Delivery delivery = settings.delivery();
        assertThat(delivery.lanes()).as("lanes = 0: one per processor").isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(delivery.queueSize()).isEqualTo(10_000);
        assertThat(delivery.queueBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(delivery.overflow()).isEqualTo(RedisBridgeSettings.Overflow.DROP_OLDEST);
        assertThat(read("delivery { lanes = 3, overflow = drop-newest }").delivery())
                .isEqualTo(new RedisBridgeSettings.Delivery(3, 10_000, 16L * 1024 * 1024, RedisBridgeSettings.Overflow.DROP_NEWEST));
    }

    @Test
    void usesTheGatewayRedisConnectionThatRedisNamesDefaultByDefault() {
        context.withRedis("default", "address = \"redis://10.0.0.1:6379\"")
                .withRedis("events", "mode = sentinel, addresses = [\"redis://10.0.0.2:26379\", \"redis://10.0.0.3:26379\"], master-name = events");
        assertThat(read("").redis()).isSameAs(context.redis("default"));
        RedisBridgeSettings events = read("redis = events");
        assertThat(events.redis()).isSameAs(context.redis("events"));
        assertThat(events.addresses()).containsExactly("redis://10.0.0.2:26379", "redis://10.0.0.3:26379");
    }

    @Test
    void withoutAnyGatewayRedisConnectsToTheLocalRedisAndSaysSo() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            assertThat(read("").redis().address()).isEqualTo("redis://127.0.0.1:6379");
            assertThat(logs.infos()).containsExactly("test.bridges.redis: no Redis connection is configured (gateway.redis is "
                    + "empty): using redis://127.0.0.1:6379 with the defaults of a gateway.redis entry; declare gateway.redis.default { … } to choose");
        }
    }

    @Test
    void aConnectionThatDoesNotExistIsAnErrorOfTheRedisKey() {
        assertThatThrownBy(() -> read("redis = default"))
                .as("written, it must exist, even when gateway.redis is empty")
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.redis: no Redis connection 'default': gateway.redis has none");
        context.withRedis("events", "");
        assertThatThrownBy(() -> read("redis = event"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.redis: no Redis connection 'event' in gateway.redis; configured: events (did you mean 'events'?)");
        assertThatThrownBy(() -> read(""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.redis: no Redis connection 'default' in gateway.redis; configured: events "
                        + "(redis is not set, so it is 'default')");
    }

    @Test
    void theDeprecatedKeysStillWorkWithOneWarningNamingThem() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            RedisBridgeSettings sentinel = read("""
                    mode = SENTINEL
                    addresses = [ "redis://10.0.0.1:26379", "redis://10.0.0.2:26379" ]
                    master-name = mymaster
                    password = secret
                    sentinel-username = watcher
                    sentinel-password = other-secret
                    database = 2
                    reconnect.max-delay = 20s
                    ping-interval = 0s
                    """);
            assertThat(sentinel.redis()).isEqualTo(RedisSettings.builder("test.bridges.redis")
                    .mode(RedisSettings.Mode.SENTINEL)
                    .addresses(List.of("redis://10.0.0.1:26379", "redis://10.0.0.2:26379"))
                    .masterName("mymaster")
                    .password("secret")
                    .sentinelUsername("watcher")
                    .sentinelPassword("other-secret")
                    .database(2)
                    .reconnect(Duration.ofMillis(100), Duration.ofSeconds(20))
                    .pingInterval(Duration.ZERO)
                    .build());
            assertThat(sentinel.toString()).doesNotContain("secret").contains("password=****");
            assertThat(logs.warnings()).containsExactly("test.bridges.redis: mode, addresses, master-name, password, sentinel-username, "
                    + "sentinel-password, database, reconnect.max-delay, ping-interval are deprecated and will be removed in "
                    + "event-bridge-redis 1.2.0: move them to gateway.redis.default { … }, which this uses unless redis = <name> names "
                    + "another connection");
        }
        RedisBridgeSettings cluster = read("mode = cluster, addresses = [ \"rediss://node1:7000\" ], master-name = ignored-as-in-1.0");
        assertThat(cluster.redis()).as("1.0's defaults for the keys not written")
                .isEqualTo(RedisSettings.builder("test.bridges.redis").mode(RedisSettings.Mode.CLUSTER)
                        .addresses(List.of("rediss://node1:7000")).build());
    }

    @Test
    void theDeprecatedKeysAndRedisTogetherAreAnError() {
        context.withRedis("default", "");
        assertThatThrownBy(() -> read("redis = default, timeout = 1s"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.redis: names a gateway.redis connection, so the connection keys timeout "
                        + "must not be written here as well: set them in gateway.redis.default");
    }

    @Test
    void readsHistorySettings() {
        RedisBridgeSettings settings = read("""
                channel-prefix = "app1:"
                history = [
                  { channels = "simulation:*", size = 10, ttl = 30s }
                  { channels = "chat:*" }
                ]
                history-idle-expiry = 10s
                """);
        assertThat(settings.channelPrefix()).isEqualTo("app1:");
        assertThat(settings.history()).hasSize(2);
        assertThat(settings.historyRuleFor("simulation:7").size()).isEqualTo(10);
        assertThat(settings.historyRuleFor("simulation:7").ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.historyRuleFor("chat:1").size()).isEqualTo(100);
        assertThat(settings.historyRuleFor("chat:1").ttl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.historyRuleFor("orders")).isNull();
        // A stream outlives its last event by history-idle-expiry, but never less than the rule's ttl.
        assertThat(settings.streamExpiry(settings.historyRuleFor("simulation:7"))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void backOffDoublesFromTheConnectionsFirstReconnectionDelayToItsLongest() {
        context.withRedis("default", "reconnect { min-delay = 100ms, max-delay = 1s }");
        RedisBridgeSettings settings = read("");
        // Equal jitter: between half the exponential delay and all of it.
        assertThat(settings.backOff(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        assertThat(settings.backOff(2)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        assertThat(settings.backOff(40)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
    }

    /** The connection itself is mapped by redis-support (RedissonConnectionTest has every setting); here, the bridge's shape. */
    @Test
    void redissonGetsTheConnectionInTheBridgesShape() {
        RedisSettings sentinel = RedisSettings.builder("main")
                .mode(RedisSettings.Mode.SENTINEL)
                .addresses(List.of("redis://10.0.0.1:26379"))
                .masterName("mymaster")
                .password("s3cret")
                .connectTimeout(Duration.ofMillis(1500))
                .build();
        RedisBridgeSettings.Client client = new RedisBridgeSettings.Client(Duration.ofSeconds(1), 5, 3, 100, 2, 1);
        Config config = RedissonConfigs.create(sentinel, client, "test-client", new NoEvents());
        assertThat(config.getCodec()).isSameAs(ByteArrayCodec.INSTANCE);
        assertThat(config.getNettyThreads()).isEqualTo(2);
        assertThat(config.getThreads()).isEqualTo(1);
        assertThat(config.isUseScriptCache()).isTrue();
        assertThat(config.isReferenceEnabled()).isFalse();
        assertThat(config.isKeepPubSubOrder()).isTrue();
        assertThat(config.getConnectionListener()).isInstanceOf(NoEvents.class);
        assertThat(config.isSentinelConfig()).isTrue();
        SentinelServersConfig server = config.useSentinelServers();
        assertThat(server.getSentinelAddresses()).containsExactly("redis://10.0.0.1:26379");
        assertThat(server.getMasterName()).isEqualTo("mymaster");
        assertThat(server.getPassword()).isEqualTo("s3cret");
        assertThat(server.getClientName()).isEqualTo("test-client");
        assertThat(server.getReadMode()).isEqualTo(ReadMode.MASTER);
        assertThat(server.getSubscriptionMode()).isEqualTo(SubscriptionMode.MASTER);
        assertThat(server.getMasterConnectionPoolSize()).isEqualTo(5);
        assertThat(server.getMasterConnectionMinimumIdleSize()).isEqualTo(5);
        assertThat(server.getSubscriptionConnectionPoolSize()).isEqualTo(3);
        assertThat(server.getSubscriptionsPerConnection()).isEqualTo(100);
        assertThat(server.getRetryAttempts()).isZero();
        assertThat(server.getRetryDelay()).isInstanceOfSatisfying(ConstantDelay.class,
                delay -> assertThat(delay.calcDelay(1)).isEqualTo(Duration.ofMillis(1500)));

        Config cluster = RedissonConfigs.create(RedisSettings.builder("c").mode(RedisSettings.Mode.CLUSTER)
                .addresses(List.of("redis://10.0.0.1:7000")).build(), client, "test-client", new NoEvents());
        assertThat(cluster.isClusterConfig()).isTrue();
        ClusterServersConfig clusterServers = cluster.useClusterServers();
        assertThat(clusterServers.getNodeAddresses()).containsExactly("redis://10.0.0.1:7000");
        assertThat(clusterServers.getShardedSubscriptionMode()).isEqualTo(ShardedSubscriptionMode.OFF);
        assertThat(clusterServers.getSubscriptionMode()).isEqualTo(SubscriptionMode.MASTER);
        assertThat(clusterServers.getMasterConnectionPoolSize()).isEqualTo(5);
        assertThat(clusterServers.getRetryAttempts()).isZero();

        Config single = RedissonConfigs.create(RedisSettings.builder("s").address("redis://10.0.0.3:6380").database(3).build(),
                client, "test-client", new NoEvents());
        assertThat(single.isSingleConfig()).isTrue();
        SingleServerConfig singleServer = single.useSingleServer();
        assertThat(singleServer.getAddress()).isEqualTo("redis://10.0.0.3:6380");
        assertThat(singleServer.getDatabase()).isEqualTo(3);
        assertThat(singleServer.getConnectionPoolSize()).isEqualTo(5);
        assertThat(singleServer.getSubscriptionConnectionPoolSize()).isEqualTo(3);
        assertThat(singleServer.getSubscriptionsPerConnection()).isEqualTo(100);
        assertThat(singleServer.getRetryAttempts()).isZero();
    }

    @Test
    void refusesUnknownKeysNamingThePath() {
        assertThatThrownBy(() -> BridgeInstance.config("chanel-prefix = \"app1:\""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.chanel-prefix")
                .hasMessageContaining("did you mean 'channel-prefix'");
        assertThatThrownBy(() -> BridgeInstance.config("presence { tll = 5s }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("presence.tll")
                .hasMessageContaining("did you mean 'ttl'");
        assertThatThrownBy(() -> BridgeInstance.config("reconnect { mx-delay = 5s }"))
                .as("the deprecated block still knows its keys")
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.reconnect.mx-delay")
                .hasMessageContaining("did you mean 'max-delay'");
        PluginConfig notADuration = BridgeInstance.config("probe-interval = soon");
        assertThatThrownBy(() -> RedisBridgeSettings.read(notADuration, context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.probe-interval")
                .hasMessageContaining("duration");
    }

    /** The deprecated keys are checked as 1.0 checked them; the bridge's own keys as ever. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "mode = triple | mode | must be single, sentinel or cluster",
            "address = \"http://127.0.0.1:6379\" | address | must start with redis:// or rediss://",
            "address = \"redis://127.0.0.1\" | address | must name a host and a port",
            "address = \"redis://user:pw@127.0.0.1:6379\" | address | must not carry credentials",
            "mode = sentinel, master-name = m | addresses | must list at least one sentinel address",
            "mode = sentinel, addresses = [\"redis://127.0.0.1:26379\"] | master-name | must name the master",
            "mode = cluster, addresses = [\"redis://127.0.0.1:7000\"], database = 1 | database | must be 0 for mode = cluster",
            "database = -1 | database | must not be negative",
            "username = gateway | username | needs a password (password)",
            "timeout = 0s | timeout | must be positive",
            "connect-timeout = 2h | connect-timeout | must be at most 1h",
            "reconnect { min-delay = 5s, max-delay = 1s } | reconnect.max-delay | must not be less than reconnect.min-delay",
            "ping-interval = 2h | ping-interval | must be between 0s (disabled) and 1h",
            "connections = 0 | connections | must be between 1 and 1000",
            "probe-interval = 0s | probe-interval | must be positive",
            "presence { ttl = 10s, refresh-interval = 10s } | presence.refresh-interval | must be less than presence.ttl",
            "history = [ { channels = \"a:*\", sise = 5 } ] | history[0].sise | unknown setting",
            "history = [ { size = 5 } ] | history[0].channels | is missing",
            "history = [ { channels = \"a:*\", size = 0 } ] | history[0].size | must be between 1 and 1000000",
            "history = [ { channels = \"a:*\", ttl = 0s } ] | history[0].ttl | must be positive",
            "history-idle-expiry = 0s | history-idle-expiry | must be positive",
            "delivery.lanes = -1 | delivery.lanes | must be between 0 and 256",
            "delivery.queue-size = 0 | delivery.queue-size | must be between 1 and",
            "delivery.queue-bytes = 100 | delivery.queue-bytes | must be between 1KiB and 16GiB",
            "delivery.overflow = block | delivery.overflow | must be drop-oldest or drop-newest",
            "channel-prefix = \"tollgate:\" | channel-prefix | would make Redis channels starting with 'tollgate:services:'",
            "channel-prefix = \"tollgate:services:\" | channel-prefix | starting with 'tollgate:services:', which are not",
            "channel-prefix = \"__\" | channel-prefix | starting with '__keyspace@'",
    })
    void refusesBadValuesNamingTheKey(String hocon, String key, String problem) {
        PluginConfig config = BridgeInstance.config(hocon);
        assertThatThrownBy(() -> new RedisEventBridgeFactory().create(config, context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis." + key)
                .hasMessageContaining(problem);
    }

    @Test
    void listsOfAddressesAreCheckedOneByOne() {
        assertThatThrownBy(() -> read("mode = cluster, addresses = [ \"redis://a:7000\", \"tcp://b:7000\" ]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("addresses")
                .hasMessageContaining("'tcp://b:7000' must start with redis://");
        assertThat(read("mode = cluster, addresses = [ \"redis://a:7000\" ]").redis().addresses()).isEqualTo(List.of("redis://a:7000"));
    }

    /** A connection listener that ignores Redisson's events. */
    private static final class NoEvents implements ConnectionListener {
        @Override
        public void onConnect(InetSocketAddress address) {
        }

        @Override
        public void onDisconnect(InetSocketAddress address) {
        }
    }
}
