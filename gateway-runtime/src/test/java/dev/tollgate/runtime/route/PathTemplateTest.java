package dev.tollgate.runtime.route;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathTemplateTest {
    private static Map<String, String> match(String template, String path) {
        return PathTemplate.parse(template).match(PathTemplate.split(path));
    }

    @Test
    void literalsMatchExactly() {
        assertThat(match("/api/projects", "/api/projects")).isEmpty();
        assertThat(match("/api/projects", "/api/projects/")).isNull();
        assertThat(match("/api/projects", "/api/project")).isNull();
        assertThat(match("/", "/")).isEmpty();
    }

    @Test
    void parametersCaptureOneSegment() {
        assertThat(match("/api/projects/{id}", "/api/projects/42")).containsExactly(Map.entry("id", "42"));
        assertThat(match("/api/projects/{id}", "/api/projects/42/tasks")).isNull();
        assertThat(match("/api/projects/{id}", "/api/projects/")).isNull();
        assertThat(match("/a/{x}/b/{y}", "/a/1/b/2")).containsEntry("x", "1").containsEntry("y", "2");
    }

    @Test
    void doubleWildcardTakesTheRestIncludingNothing() {
        assertThat(match("/api/auth/**", "/api/auth")).containsEntry("**", "");
        assertThat(match("/api/auth/**", "/api/auth/login")).containsEntry("**", "login");
        assertThat(match("/api/auth/**", "/api/auth/a/b/c")).containsEntry("**", "a/b/c");
        assertThat(match("/api/auth/**", "/api/authz")).isNull();
        assertThat(match("/**", "/anything/at/all")).containsEntry("**", "anything/at/all");
    }

    @Test
    void singleWildcardMatchesOneSegmentWithoutCapture() {
        assertThat(match("/a/*/c", "/a/b/c")).isEmpty();
        assertThat(match("/a/*/c", "/a/b/x/c")).isNull();
    }

    @Test
    void refusesMalformedTemplates() {
        assertThatThrownBy(() -> PathTemplate.parse("api")).hasMessageContaining("must start with /");
        assertThatThrownBy(() -> PathTemplate.parse("/a/**/b")).hasMessageContaining("** may only be the last");
        assertThatThrownBy(() -> PathTemplate.parse("/a/x{id}")).hasMessageContaining("whole segments");
        assertThatThrownBy(() -> PathTemplate.parse("/a/{id}/{id}")).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> PathTemplate.parse("/a//b")).hasMessageContaining("empty segment");
    }

    @Test
    void mostSpecificSortsFirst() {
        List<String> templates = List.of("/**", "/api/**", "/api/{x}", "/api/auth/**", "/api/auth/login", "/api/*");
        List<String> sorted = templates.stream().map(PathTemplate::parse)
                .sorted(PathTemplate.MOST_SPECIFIC_FIRST).map(PathTemplate::toString).toList();
        assertThat(sorted).containsExactly("/api/auth/login", "/api/{x}", "/api/*", "/api/auth/**", "/api/**", "/**");
    }
}
