package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.PresenceMember;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Presence shared by two instances through Redis, and the expiry of an instance that vanished. */
class RedisPresenceTest {
    private final String prefix = BridgeInstance.uniquePrefix();
    private final String config = """
            key-prefix = "%s"
            presence { ttl = 2s, refresh-interval = 300ms }
            """.formatted(prefix);
    private RawRedis redis;
    private BridgeInstance first;
    private BridgeInstance second;

    @BeforeEach
    void start() {
        redis = RawRedis.shared();
        first = BridgeInstance.connected(config);
        second = BridgeInstance.connected(config);
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        redis.close();
    }

    @Test
    void membersJoinedOnEitherInstanceAreSeenByBoth() {
        String channel = prefix + "room:1";
        PresenceMember alice = new PresenceMember("first/session-1", "alice", Map.of("client", "web", "since", "12:00"));
        PresenceMember bob = new PresenceMember("second/session-1", "", Map.of());
        join(first.bridge().presence().join(channel, alice));
        join(second.bridge().presence().join(channel, bob));

        assertThat(join(first.bridge().presence().members(channel))).containsExactlyInAnyOrder(alice, bob);
        assertThat(join(second.bridge().presence().members(channel))).containsExactlyInAnyOrder(alice, bob);
        assertThat(join(second.bridge().presence().members(prefix + "room:2"))).isEmpty();

        join(first.bridge().presence().leave(channel, alice.id()));
        assertThat(join(second.bridge().presence().members(channel))).containsExactly(bob);

        // Refreshes keep members present well past their ttl.
        join(first.bridge().presence().join(channel, alice));
        String key = prefix + "presence:" + BridgeInstance.redisChannel(channel);
        long expiry = expiryOf(key, alice.id());
        await("a refresh").atMost(Duration.ofSeconds(10)).until(() -> expiryOf(key, alice.id()) > expiry);
        assertThat(join(second.bridge().presence().members(channel))).containsExactlyInAnyOrder(alice, bob);
    }

    @Test
    void membersOfAnInstanceThatStoppedRefreshingExpire() {
        String channel = prefix + "room:3";
        PresenceMember survivor = new PresenceMember("first/session-2", "carol", Map.of());
        join(first.bridge().presence().join(channel, survivor));
        try (BridgeInstance vanishing = BridgeInstance.connected(config)) {
            PresenceMember ghost = new PresenceMember("vanishing/session-1", "dave", Map.of("client", "ios"));
            join(vanishing.bridge().presence().join(channel, ghost));
            assertThat(join(first.bridge().presence().members(channel))).containsExactlyInAnyOrder(survivor, ghost);

            // The instance "crashes": its timers stop, nobody removes its members.
            vanishing.context().scheduler().shutdownNow();

            await("the vanished instance's member expires").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> join(first.bridge().presence().members(channel)).equals(List.of(survivor)));
            assertThat(redis.command("HEXISTS", prefix + "presence:" + BridgeInstance.redisChannel(channel), ghost.id())).isEqualTo(0L);
        }
        assertThat(join(second.bridge().presence().members(channel))).containsExactly(survivor);
    }

    @Test
    void closingAnInstanceRemovesItsMembers() {
        String channel = prefix + "room:4";
        BridgeInstance leaving = BridgeInstance.connected(config);
        Presence presence = leaving.bridge().presence();
        join(presence.join(channel, new PresenceMember("leaving/1", "erin", Map.of())));
        join(presence.join(channel, new PresenceMember("leaving/2", "erin", Map.of())));
        assertThat(join(first.bridge().presence().members(channel))).hasSize(2);

        leaving.close();

        assertThat(join(first.bridge().presence().members(channel))).isEmpty();
    }

    @Test
    void entriesWrittenByOthersThatAreNotMembersAreIgnored() {
        String channel = prefix + "room:5";
        PresenceMember member = new PresenceMember("first/1", "frank", Map.of());
        join(first.bridge().presence().join(channel, member));
        String key = prefix + "presence:" + BridgeInstance.redisChannel(channel);
        redis.command("HSET", key, "junk", "99999999999999 not json");

        assertThat(join(second.bridge().presence().members(channel))).containsExactly(member);
    }

    private long expiryOf(String key, String member) {
        String value = (String) redis.command("HGET", key, member);
        return Long.parseLong(value.substring(0, value.indexOf(' ')));
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }
}
