package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.Principal;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PermissionsTest {
    private static final Permissions.Rights SUBSCRIBE = new Permissions.Rights(true, false, false);
    private static final Permissions.Rights ALL = new Permissions.Rights(true, true, true);
    private static final Principal ALICE = Principal.of("alice", "test", Set.of(), Map.of());
    private static final Principal ROOT = Principal.of("root", "test", Set.of("admin"), Map.of());

    private static final ReservedChannels NOTHING_CONFIGURED = new ReservedChannels(List.of());

    private final Permissions permissions = new Permissions(List.of(
            rule("user:{user}", Set.of(), false, SUBSCRIBE),
            rule("admin:*", Set.of("admin"), false, ALL),
            rule("team:*", Set.of(), false, ALL),
            rule("*", Set.of(), true, new Permissions.Rights(true, false, true))), NOTHING_CONFIGURED);

    @Test
    void theFirstMatchingRuleDecides() {
        assertThat(permissions.rightsOf("user:alice", ALICE)).isEqualTo(SUBSCRIBE);
        assertThat(permissions.rightsOf("user:alice", ROOT)).isEqualTo(Permissions.Rights.NONE);
        assertThat(permissions.rightsOf("user:alice", null)).isEqualTo(Permissions.Rights.NONE);
        assertThat(permissions.rightsOf("admin:ops", ROOT)).isEqualTo(ALL);
        assertThat(permissions.rightsOf("admin:ops", ALICE)).isEqualTo(Permissions.Rights.NONE);
        assertThat(permissions.rightsOf("team:a", ALICE)).isEqualTo(ALL);
        assertThat(permissions.rightsOf("team:a", null)).isEqualTo(Permissions.Rights.NONE);
        assertThat(permissions.rightsOf("news", null)).isEqualTo(new Permissions.Rights(true, false, true));
        assertThat(permissions.rightsOf("news", ALICE)).isEqualTo(new Permissions.Rights(true, false, true));
    }

    @Test
    void aChannelNoRuleMatchesIsRefused() {
        Permissions narrow = new Permissions(List.of(rule("chat:*", Set.of(), true, ALL)), NOTHING_CONFIGURED);
        assertThat(narrow.rightsOf("news", ALICE)).isEqualTo(Permissions.Rights.NONE);
        assertThat(new Permissions(List.of(), NOTHING_CONFIGURED).rightsOf("news", ALICE)).isEqualTo(Permissions.Rights.NONE);
    }

    @Test
    void noRuleOpensAReservedChannel() {
        Permissions open = new Permissions(List.of(rule("*", Set.of(), true, ALL)),
                new ReservedChannels(List.of(ChannelPattern.compile("internal:*", false))));
        for (String channel : List.of("tollgate:services:orders:changes", "tollgate:", "__keyspace@0__:x", "__sentinel__:hello", "internal:audit")) {
            assertThat(open.rightsOf(channel, ROOT)).as(channel).isEqualTo(Permissions.Rights.NONE);
            assertThat(open.rightsOf(channel, null)).as(channel).isEqualTo(Permissions.Rights.NONE);
            assertThat(open.reserved().reason(channel)).as(channel).contains("reserved");
        }
        for (String channel : List.of("tollgate", "tollgate-news", "_private", "internal", "news:tollgate:x")) {
            assertThat(open.rightsOf(channel, null)).as(channel).isEqualTo(ALL);
            assertThat(open.reserved().reason(channel)).as(channel).isNull();
        }
    }

    @Test
    void anonymousRulesCannotNameUsersOrRoles() {
        assertThatThrownBy(() -> rule("user:{user}", Set.of(), true, SUBSCRIBE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rule("*", Set.of("admin"), true, SUBSCRIBE)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Permissions.Rule rule(String channels, Set<String> roles, boolean anonymous, Permissions.Rights rights) {
        return new Permissions.Rule(ChannelPattern.compile(channels, true), roles, anonymous, rights);
    }
}
