package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.plugin.eventbridgeredis.internal.RedisBridgeSettings;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Defaults as documented in reference.conf; unknown keys and bad values refused, naming the key. */
class RedisBridgeConfigTest {

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        RedisBridgeSettings settings = RedisBridgeSettings.read(BridgeInstance.config(""));
        RedisBridgeSettings.Connection connection = settings.connection();
        assertThat(connection.mode()).isEqualTo(RedisBridgeSettings.Mode.SINGLE);
        assertThat(connection.addresses()).containsExactly("redis://127.0.0.1:6379");
        assertThat(connection.masterName()).isEmpty();
        assertThat(connection.username()).isEmpty();
        assertThat(connection.password()).isEmpty();
        assertThat(connection.database()).isZero();
        assertThat(connection.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(connection.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(connection.reconnectMinDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(connection.reconnectMaxDelay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(connection.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(connection.pingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(connection.connections()).isEqualTo(8);
        assertThat(connection.subscriptionConnections()).isEqualTo(2);
        assertThat(connection.subscriptionsPerConnection()).isEqualTo(1000);
        assertThat(connection.ioThreads()).isEqualTo(4);
        assertThat(connection.listenerThreads()).isEqualTo(2);
        assertThat(settings.channelPrefix()).isEmpty();
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
        assertThat(RedisBridgeSettings.read(BridgeInstance.config("delivery { lanes = 3, overflow = drop-newest }")).delivery())
                .isEqualTo(new RedisBridgeSettings.Delivery(3, 10_000, 16L * 1024 * 1024, RedisBridgeSettings.Overflow.DROP_NEWEST));
    }

    @Test
    void readsSentinelClusterAndHistorySettings() {
        RedisBridgeSettings sentinel = RedisBridgeSettings.read(BridgeInstance.config("""
                mode = sentinel
                addresses = [ "redis://10.0.0.1:26379", "redis://10.0.0.2:26379" ]
                master-name = mymaster
                password = secret
                sentinel-password = other-secret
                database = 2
                """));
        assertThat(sentinel.connection().mode()).isEqualTo(RedisBridgeSettings.Mode.SENTINEL);
        assertThat(sentinel.connection().addresses()).containsExactly("redis://10.0.0.1:26379", "redis://10.0.0.2:26379");
        assertThat(sentinel.connection().masterName()).isEqualTo("mymaster");
        assertThat(sentinel.connection().toString()).doesNotContain("secret").contains("******");

        RedisBridgeSettings cluster = RedisBridgeSettings.read(BridgeInstance.config("""
                mode = cluster
                addresses = [ "rediss://node1:7000" ]
                channel-prefix = "app1:"
                history = [
                  { channels = "simulation:*", size = 10, ttl = 30s }
                  { channels = "chat:*" }
                ]
                history-idle-expiry = 10s
                """));
        assertThat(cluster.connection().mode()).isEqualTo(RedisBridgeSettings.Mode.CLUSTER);
        assertThat(cluster.channelPrefix()).isEqualTo("app1:");
        assertThat(cluster.history()).hasSize(2);
        assertThat(cluster.historyRuleFor("simulation:7").size()).isEqualTo(10);
        assertThat(cluster.historyRuleFor("simulation:7").ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cluster.historyRuleFor("chat:1").size()).isEqualTo(100);
        assertThat(cluster.historyRuleFor("chat:1").ttl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(cluster.historyRuleFor("orders")).isNull();
        // A stream outlives its last event by history-idle-expiry, but never less than the rule's ttl.
        assertThat(cluster.streamExpiry(cluster.historyRuleFor("simulation:7"))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void refusesUnknownKeysNamingThePath() {
        assertThatThrownBy(() -> BridgeInstance.config("adress = \"redis://127.0.0.1:6379\""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.adress")
                .hasMessageContaining("did you mean 'address'");
        assertThatThrownBy(() -> BridgeInstance.config("presence { tll = 5s }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("presence.tll")
                .hasMessageContaining("did you mean 'ttl'");
        PluginConfig notADuration = BridgeInstance.config("timeout = soon");
        assertThatThrownBy(() -> RedisBridgeSettings.read(notADuration))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.bridges.redis.timeout")
                .hasMessageContaining("duration");
    }

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
            "timeout = 0s | timeout | must be positive",
            "connect-timeout = 2h | connect-timeout | must be at most 1h",
            "reconnect { min-delay = 5s, max-delay = 1s } | reconnect.max-delay | must not be less than reconnect.min-delay",
            "connections = 0 | connections | must be between 1 and 1000",
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
    })
    void refusesBadValuesNamingTheKey(String hocon, String key, String problem) {
        PluginConfig config = BridgeInstance.config(hocon);
        try (TestingPluginContext context = new TestingPluginContext("event-bridge-redis")) {
            assertThatThrownBy(() -> new RedisEventBridgeFactory().create(config, context))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("test.bridges.redis." + key)
                    .hasMessageContaining(problem);
        }
    }

    @Test
    void listsOfAddressesAreCheckedOneByOne() {
        PluginConfig config = BridgeInstance.config("mode = cluster, addresses = [ \"redis://a:7000\", \"tcp://b:7000\" ]");
        assertThatThrownBy(() -> RedisBridgeSettings.read(config))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("addresses")
                .hasMessageContaining("'tcp://b:7000' must start with redis://");
        assertThat(RedisBridgeSettings.read(BridgeInstance.config("mode = cluster, addresses = [ \"redis://a:7000\" ]"))
                .connection().addresses()).isEqualTo(List.of("redis://a:7000"));
    }
}
