package dev.tollgate.api.event;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelGlobTest {

    @Test
    void starMatchesAnyRunAndQuestionMarkOneCharacter() {
        assertThat(ChannelGlob.compile("user:*:inbox").matches("user:42:inbox")).isTrue();
        assertThat(ChannelGlob.compile("user:*:inbox").matches("user::inbox")).isTrue();
        assertThat(ChannelGlob.compile("user:*").matches("user:a\nb")).isTrue();
        assertThat(ChannelGlob.compile("h?llo").matches("hello")).isTrue();
        assertThat(ChannelGlob.compile("h?llo").matches("hllo")).isFalse();
        assertThat(ChannelGlob.compile("*").matches("")).isTrue();
    }

    @Test
    void matchesTheWholeChannelOnly() {
        assertThat(ChannelGlob.compile("news").matches("news:1")).isFalse();
        assertThat(ChannelGlob.compile("news").matches("the news")).isFalse();
        assertThat(ChannelGlob.compile("news").matches("news")).isTrue();
    }

    @Test
    void setsRangesAndNegatedSets() {
        assertThat(ChannelGlob.compile("h[ae]llo").matches("hallo")).isTrue();
        assertThat(ChannelGlob.compile("h[ae]llo").matches("hillo")).isFalse();
        assertThat(ChannelGlob.compile("room:[0-9]").matches("room:7")).isTrue();
        assertThat(ChannelGlob.compile("room:[0-9]").matches("room:x")).isFalse();
        assertThat(ChannelGlob.compile("h[^e]llo").matches("hello")).isFalse();
        assertThat(ChannelGlob.compile("h[^e]llo").matches("hallo")).isTrue();
    }

    @Test
    void aBracketWithoutASetStandsForItself() {
        assertThat(ChannelGlob.compile("a[b").matches("a[b")).isTrue();
        assertThat(ChannelGlob.compile("a[]").matches("a[]")).isTrue();
    }

    @Test
    void backslashEscapesAndOtherCharactersAreLiteral() {
        assertThat(ChannelGlob.compile("a\\*b").matches("a*b")).isTrue();
        assertThat(ChannelGlob.compile("a\\*b").matches("axb")).isFalse();
        assertThat(ChannelGlob.compile("a[\\]]").matches("a]")).isTrue();
        assertThat(ChannelGlob.compile("a\\").matches("a\\")).isTrue();
        assertThat(ChannelGlob.compile("a.b").matches("axb")).isFalse();
        assertThat(ChannelGlob.compile("a+(b)").matches("a+(b)")).isTrue();
    }

    @Test
    void escapedLiteralsMatchOnlyThemselves() {
        String prefix = "app[1]*?\\:";
        ChannelGlob glob = ChannelGlob.compile(ChannelGlob.escape(prefix) + "*");
        assertThat(glob.matches(prefix + "orders")).isTrue();
        assertThat(glob.matches("app1xx\\:orders")).isFalse();
        assertThat(ChannelGlob.escape("plain:channel")).isEqualTo("plain:channel");
    }

    @Test
    void setsThatCannotMatchAreRefused() {
        assertThatThrownBy(() -> ChannelGlob.compile("[z-a]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[z-a]");
        assertThatThrownBy(() -> ChannelGlob.compile("[^]")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalWhenTheGlobsAre() {
        assertThat(ChannelGlob.compile("a:*")).isEqualTo(ChannelGlob.compile("a:*"))
                .hasSameHashCodeAs(ChannelGlob.compile("a:*"))
                .isNotEqualTo(ChannelGlob.compile("a:?"))
                .hasToString("a:*");
        assertThat(ChannelGlob.compile("a:*").glob()).isEqualTo("a:*");
    }
}
