package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.plugin.support.redis.RedisConnectionSelector;
import dev.tollgate.runtime.testing.CapturedLogs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge carries events through the shared Redis with either form of its connection: the
 * {@code gateway.redis} entry named by {@code redis}, and the deprecated keys written in the
 * bridge's block (with one warning naming them).
 */
class RedisConnectionFormsTest {
    private final String prefix = BridgeInstance.uniquePrefix();
    private RawRedis redis;

    @BeforeEach
    void start() {
        redis = RawRedis.shared();
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    @Test
    void throughTheGatewayRedisConnectionThatRedisNames() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class);
                BridgeInstance instance = BridgeInstance.connected("address = \"redis://127.0.0.1:6379\", timeout = 2s",
                        "redis = default, channel-prefix = \"" + prefix + "\"")) {
            carriesAnEventFromABackend(instance);
            assertThat(instance.health().details()).containsEntry("redis", "redis://127.0.0.1:6379");
            assertThat(logs.infos()).isEmpty();
        }
    }

    @Test
    void throughTheDeprecatedKeysWithOneWarning() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class);
                BridgeInstance instance = BridgeInstance.connected(
                        "address = \"redis://127.0.0.1:6379\", timeout = 2s, reconnect.max-delay = 1s, channel-prefix = \"" + prefix + "\"")) {
            carriesAnEventFromABackend(instance);
            assertThat(logs.warnings()).containsExactly("test.bridges.redis: address, timeout, reconnect.max-delay are deprecated and "
                    + "will be removed in event-bridge-redis 1.2.0: move them to gateway.redis.default { … }, which this uses unless "
                    + "redis = <name> names another connection");
        }
    }

    private void carriesAnEventFromABackend(BridgeInstance instance) {
        ReceivedEvents received = new ReceivedEvents();
        instance.bridge().subscribe("orders", received);
        instance.awaitSubscribed(1, 0);
        redis.publish(prefix + "orders", "{\"id\":1}");
        assertThat(received.awaitText("{\"id\":1}")).containsExactly("{\"id\":1}");
    }
}
