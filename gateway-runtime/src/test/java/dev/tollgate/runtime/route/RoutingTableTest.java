package dev.tollgate.runtime.route;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RoutingTableTest {
    private static RoutingTable.Entry<String> route(String id, String path, Set<String> methods, List<String> hosts, Map<String, String> headers) {
        return new RoutingTable.Entry<>(id, PathTemplate.parse(path), methods, hosts, headers, id);
    }

    private final RoutingTable<String> table = RoutingTable.of(List.of(
            route("catch-all", "/api/**", Set.of(), List.of(), Map.of()),
            route("login", "/api/auth/login", Set.of("POST"), List.of(), Map.of()),
            route("v2", "/api/projects/{id}", Set.of("GET"), List.of(), Map.of("X-Version", "2")),
            route("v1", "/api/projects/{id}", Set.of("GET", "PUT"), List.of(), Map.of()),
            route("tenant", "/tenant/**", Set.of(), List.of("*.example.com"), Map.of())));

    private RoutingTable.Result<String> match(String method, String host, String path, Map<String, String> headers) {
        return table.match(method, host, PathTemplate.split(path), headers::get);
    }

    @Test
    void theMostSpecificRouteWinsRegardlessOfConfigurationOrder() {
        assertThat(match("POST", "h", "/api/auth/login", Map.of())).isInstanceOfSatisfying(RoutingTable.Found.class,
                found -> assertThat(found.entry().id()).isEqualTo("login"));
        assertThat(match("GET", "h", "/api/auth/other", Map.of())).isInstanceOfSatisfying(RoutingTable.Found.class,
                found -> assertThat(found.entry().id()).isEqualTo("catch-all"));
    }

    @Test
    void headersSelectAmongEqualPaths() {
        assertThat(match("GET", "h", "/api/projects/7", Map.of("X-Version", "2"))).isInstanceOfSatisfying(RoutingTable.Found.class,
                found -> {
                    assertThat(found.entry().id()).isEqualTo("v2");
                    assertThat(found.parameters()).containsEntry("id", "7");
                });
        assertThat(match("GET", "h", "/api/projects/7", Map.of())).isInstanceOfSatisfying(RoutingTable.Found.class,
                found -> assertThat(found.entry().id()).isEqualTo("v1"));
    }

    @Test
    void aPathMatchWithTheWrongMethodFallsThroughThenAnswersMethodNotAllowed() {
        // /api/auth/login only takes POST, but /api/** catches everything else.
        assertThat(match("GET", "h", "/api/auth/login", Map.of())).isInstanceOfSatisfying(RoutingTable.Found.class,
                found -> assertThat(found.entry().id()).isEqualTo("catch-all"));
        RoutingTable<String> strict = RoutingTable.of(List.of(route("only-post", "/login", Set.of("POST", "PUT"), List.of(), Map.of())));
        assertThat(strict.match("GET", "h", PathTemplate.split("/login"), name -> null))
                .isInstanceOfSatisfying(RoutingTable.MethodNotAllowed.class,
                        notAllowed -> assertThat(notAllowed.allowed()).containsExactlyInAnyOrder("POST", "PUT"));
    }

    @Test
    void hostPatterns() {
        assertThat(match("GET", "a.example.com", "/tenant/x", Map.of())).isInstanceOf(RoutingTable.Found.class);
        assertThat(match("GET", "example.org", "/tenant/x", Map.of())).isInstanceOf(RoutingTable.NotFound.class);
    }

    @Test
    void nothingMatches() {
        assertThat(match("GET", "h", "/nothing", Map.of())).isInstanceOf(RoutingTable.NotFound.class);
    }
}
