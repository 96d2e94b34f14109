package dev.tollgate.plugin.websockethub.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelPatternTest {

    @Test
    void matchesGlobs() {
        ChannelPattern pattern = ChannelPattern.compile("simulation:*:frame?", false);
        assertThat(pattern.matchesAnyUser("simulation:42:frame1")).isTrue();
        assertThat(pattern.matchesAnyUser("simulation::frameX")).isTrue();
        assertThat(pattern.matchesAnyUser("simulation:42:frame")).isFalse();
        assertThat(pattern.matchesAnyUser("other:42:frame1")).isFalse();
        assertThat(ChannelPattern.compile("*", false).matchesAnyUser("")).isTrue();
        assertThat(ChannelPattern.compile("a.b(c)", false).matchesAnyUser("a.b(c)")).isTrue();
        assertThat(ChannelPattern.compile("a.b(c)", false).matchesAnyUser("aXb(c)")).isFalse();
        assertThat(ChannelPattern.compile("price\\*", false).matchesAnyUser("price*")).isTrue();
        assertThat(ChannelPattern.compile("price\\*", false).matchesAnyUser("prices")).isFalse();
        assertThat(ChannelPattern.compile("line\nbreak*", false).matchesAnyUser("line\nbreaks")).isTrue();
    }

    @Test
    void userPlaceholderClaimsEveryUserButAdmitsOnlyTheOwner() {
        ChannelPattern pattern = ChannelPattern.compile("user:{user}", true);
        assertThat(pattern.hasUser()).isTrue();
        assertThat(pattern.matchesAnyUser("user:alice")).isTrue();
        assertThat(pattern.matchesAnyUser("user:")).isFalse();
        assertThat(pattern.matchesUser("user:alice", "alice")).isTrue();
        assertThat(pattern.matchesUser("user:alice", "bob")).isFalse();
        assertThat(pattern.matchesUser("user:alice", null)).isFalse();
        ChannelPattern twice = ChannelPattern.compile("dm:{user}:{user}", true);
        assertThat(twice.matchesUser("dm:bob:bob", "bob")).isTrue();
        assertThat(twice.matchesUser("dm:bob:eve", "bob")).isFalse();
        assertThat(ChannelPattern.compile("*", true).matchesUser("anything", null)).isTrue();
    }

    @Test
    void refusesBadPatterns() {
        for (Map.Entry<String, String> bad : Map.of(
                "", "empty",
                "a\\", "escape",
                "a:{id}", "only placeholder",
                "a:{user", "only placeholder").entrySet()) {
            assertThatThrownBy(() -> ChannelPattern.compile(bad.getKey(), true)).hasMessageContaining(bad.getValue());
        }
        assertThatThrownBy(() -> ChannelPattern.compile("user:{user}", false)).hasMessageContaining("not allowed here");
        assertThat(ChannelPattern.compile("a:\\{id}", false).matchesAnyUser("a:{id}")).isTrue();
    }
}
