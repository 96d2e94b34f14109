package dev.tollgate.plugin.cors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The allow-list on its own: each kind of entry, its edges, and what is refused when it is read. */
class OriginMatcherTest {

    @Test
    void exactOriginsIgnoreCaseOfSchemeAndHostAndAWrittenDefaultPort() {
        OriginMatcher matcher = OriginMatcher.of(List.of("https://App.Example", "http://localhost:3000", "https://api.example:8443"));
        assertThat(matcher.allows("https://app.example")).isTrue();
        assertThat(matcher.allows("HTTPS://APP.EXAMPLE")).isTrue();
        assertThat(matcher.allows("https://app.example:443")).isTrue();
        assertThat(matcher.allows("http://localhost:3000")).isTrue();
        assertThat(matcher.allows("https://api.example:8443")).isTrue();

        assertThat(matcher.allows("http://app.example")).as("another scheme").isFalse();
        assertThat(matcher.allows("https://app.example:8443")).as("another port").isFalse();
        assertThat(matcher.allows("http://localhost")).isFalse();
        assertThat(matcher.allows("https://api.example")).isFalse();
        assertThat(matcher.allows("https://app.example.evil.com")).isFalse();
        assertThat(matcher.allows("https://sub.app.example")).isFalse();
        assertThat(matcher.allows("https://app.example/")).as("not an origin").isFalse();
        assertThat(matcher.allows("https://user@app.example")).isFalse();
        assertThat(matcher.allows("null")).isFalse();
        assertThat(matcher.allows("")).isFalse();
        assertThat(matcher.allowsAnyOrigin()).isFalse();
    }

    @Test
    void subdomainPatternsMatchAnyDepthOverHttpAndHttpsButNotTheDomainItselfNorLookAlikes() {
        OriginMatcher matcher = OriginMatcher.of(List.of("*.example.com"));
        assertThat(matcher.allows("https://app.example.com")).isTrue();
        assertThat(matcher.allows("http://app.example.com")).isTrue();
        assertThat(matcher.allows("https://a.b.c.example.com")).isTrue();
        assertThat(matcher.allows("https://APP.Example.COM:443")).isTrue();

        assertThat(matcher.allows("https://example.com")).as("the bare domain").isFalse();
        assertThat(matcher.allows("https://evil-example.com")).isFalse();
        assertThat(matcher.allows("https://evilexample.com")).isFalse();
        assertThat(matcher.allows("https://example.com.evil.net")).isFalse();
        assertThat(matcher.allows("https://app.example.com.evil.net")).isFalse();
        assertThat(matcher.allows("https://.example.com")).as("an empty label").isFalse();
        assertThat(matcher.allows("https://app.example.com:8443")).as("another port").isFalse();
        assertThat(matcher.allows("ftp://app.example.com")).as("another scheme").isFalse();
        assertThat(matcher.allows("https://app.example.com/path")).isFalse();
    }

    @Test
    void subdomainPatternsMayNameTheSchemeAndThePort() {
        OriginMatcher https = OriginMatcher.of(List.of("https://*.example.com"));
        assertThat(https.allows("https://app.example.com")).isTrue();
        assertThat(https.allows("http://app.example.com")).isFalse();

        OriginMatcher port = OriginMatcher.of(List.of("*.example.com:8443"));
        assertThat(port.allows("https://app.example.com:8443")).isTrue();
        assertThat(port.allows("http://app.example.com:8443")).isTrue();
        assertThat(port.allows("https://app.example.com")).isFalse();

        OriginMatcher defaultPortWritten = OriginMatcher.of(List.of("https://*.example.com:443"));
        assertThat(defaultPortWritten.allows("https://app.example.com")).isTrue();
        assertThat(defaultPortWritten.allows("https://app.example.com:443")).isTrue();
    }

    @Test
    void regexMustMatchTheWholeOriginInItsBrowserForm() {
        OriginMatcher matcher = OriginMatcher.of(List.of("regex:^https://[a-z0-9-]+\\.example\\.org$"));
        assertThat(matcher.allows("https://shop.example.org")).isTrue();
        assertThat(matcher.allows("HTTPS://Shop.Example.Org:443")).as("compared in browser form").isTrue();
        assertThat(matcher.allows("http://shop.example.org")).isFalse();
        assertThat(matcher.allows("https://shop.example.org.evil.com")).isFalse();
        assertThat(matcher.allows("https://a.b.example.org")).isFalse();

        OriginMatcher unanchored = OriginMatcher.of(List.of("regex:https://.*\\.example\\.org"));
        assertThat(unanchored.allows("https://x.example.org")).isTrue();
        assertThat(unanchored.allows("https://x.example.org.evil.com")).as("a full match, anchors or not").isFalse();
        assertThat(unanchored.allows("https://x.example.org:8443")).isFalse();
    }

    @Test
    void starAllowsEveryOriginEvenTheOpaqueOne() {
        OriginMatcher matcher = OriginMatcher.of(List.of("*"));
        assertThat(matcher.allowsAnyOrigin()).isTrue();
        assertThat(matcher.allows("https://anything.test")).isTrue();
        assertThat(matcher.allows("null")).isTrue();
    }

    @Test
    void anEmptyListAllowsNothing() {
        OriginMatcher matcher = OriginMatcher.of(List.of());
        assertThat(matcher.allows("https://app.example")).isFalse();
        assertThat(matcher.allowsAnyOrigin()).isFalse();
    }

    @Test
    void kindsCombine() {
        OriginMatcher matcher = OriginMatcher.of(List.of("https://app.example", "*.example.com", "regex:^https://.*\\.example\\.org$"));
        assertThat(matcher.allows("https://app.example")).isTrue();
        assertThat(matcher.allows("https://x.example.com")).isTrue();
        assertThat(matcher.allows("https://x.example.org")).isTrue();
        assertThat(matcher.allows("https://example.org")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://app.example/", "https://app.example/path", "app.example", "https://", "https://app.example:99999",
            "https://app.example:", "https://app..example", "https://user@app.example", "null", "", " https://app.example",
            "https://app.example?x", "*example.com", "https://app-*.example.com", "*.*.example.com", "*.", "example.*",
            "regex:", "regex:[a-z", "regex:(unclosed"})
    void refusesEntriesThatAreNotOrigins(String entry) {
        assertThatThrownBy(() -> OriginMatcher.of(List.of(entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(entry.isEmpty() ? "''" : entry.trim());
    }

    @Test
    void explainsTheCommonMistakes() {
        assertThatThrownBy(() -> OriginMatcher.of(List.of("https://app.example/")))
                .hasMessageContaining("an origin has no path, not even a trailing '/'");
        assertThatThrownBy(() -> OriginMatcher.of(List.of("https://app-*.example.com")))
                .hasMessageContaining("use regex:<pattern>");
        assertThatThrownBy(() -> OriginMatcher.of(List.of("*", "https://app.example")))
                .hasMessageContaining("must be alone");
        assertThatThrownBy(() -> OriginMatcher.of(List.of("null")))
                .hasMessageContaining("opaque origin");
    }

    @Test
    void parsesOriginsLikeABrowserSerialisesThem() {
        assertThat(Origin.parse("HTTPS://App.Example:443")).isEqualTo(new Origin("https", "app.example", Origin.DEFAULT_PORT));
        assertThat(Origin.parse("http://localhost:80").serialize()).isEqualTo("http://localhost");
        assertThat(Origin.parse("http://[::1]:8080").serialize()).isEqualTo("http://[::1]:8080");
        assertThat(Origin.parse("chrome-extension://abcdef").serialize()).isEqualTo("chrome-extension://abcdef");
        assertThat(Origin.parse("https://[::1")).isNull();
        assertThat(Origin.parse("://host")).isNull();
        assertThat(Origin.parse("1http://host")).isNull();
    }
}
