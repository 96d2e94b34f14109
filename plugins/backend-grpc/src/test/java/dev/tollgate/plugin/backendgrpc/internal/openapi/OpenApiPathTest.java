package dev.tollgate.plugin.backendgrpc.internal.openapi;

import dev.tollgate.plugin.backendgrpc.internal.mapping.HttpBinding;
import dev.tollgate.plugin.backendgrpc.internal.mapping.PathTemplate;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** google.api.http templates as OpenAPI paths: variables as parameters with their patterns, verbs kept, the prefix first. */
class OpenApiPathTest {
    private static OpenApiDocument.OpenApiPath path(String template, String prefix) {
        return OpenApiDocument.OpenApiPath.of(new HttpBinding("GET", PathTemplate.parse(template), "", "", "p.S/M"), prefix);
    }

    @Test
    void variablesBecomeParametersWithTheirPatterns() {
        OpenApiDocument.OpenApiPath path = path("/v1/{name=projects/*/files/**}", "/api");
        assertThat(path.path()).isEqualTo("/api/v1/{name}");
        assertThat(path.parameters()).containsExactly(new OpenApiDocument.OpenApiPath.Parameter("name", "name", "projects/*/files/**"));

        assertThat(path("/v1/projects/{project.id}", "").path()).isEqualTo("/v1/projects/{project.id}");
        assertThat(path("/v1/projects/{project.id}", "").parameters())
                .containsExactly(new OpenApiDocument.OpenApiPath.Parameter("project.id", "project.id", null));
    }

    @Test
    void verbsStayAndWildcardsOutsideVariablesBecomeParameters() {
        assertThat(path("/v1/projects/{id}:archive", "").path()).isEqualTo("/v1/projects/{id}:archive");
        assertThat(path("/v1/projects:search", "/p").path()).isEqualTo("/p/v1/projects:search");
        OpenApiDocument.OpenApiPath wildcards = path("/v1/*/x/**:verb", "");
        assertThat(wildcards.path()).isEqualTo("/v1/{_wildcard1}/x/{_wildcard2}:verb");
        assertThat(wildcards.parameters()).extracting(OpenApiDocument.OpenApiPath.Parameter::pattern).containsExactly("*", "**");
    }
}
