package dev.tollgate.runtime.route;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routing table's trie against the rules it must keep: specificity first, configuration order
 * for ties, host and header and method conditions, "method not allowed"; and, over many random
 * route sets, against a walk of the routes in order, which is how the table used to answer.
 */
class RouteTrieTest {
    private static RoutingTable.Entry<String> route(String id, String path) {
        return route(id, path, Set.of(), List.of(), Map.of());
    }

    private static RoutingTable.Entry<String> route(String id, String path, Set<String> methods, List<String> hosts,
                                                    Map<String, String> headers) {
        return new RoutingTable.Entry<>(id, PathTemplate.parse(path), methods, hosts, headers, id);
    }

    private static String found(RoutingTable<String> table, String method, String host, String path) {
        return found(table, method, host, path, Map.of());
    }

    private static String found(RoutingTable<String> table, String method, String host, String path, Map<String, String> headers) {
        RoutingTable.Result<String> result = table.match(method, host, PathTemplate.split(path), headers::get);
        return result instanceof RoutingTable.Found<String> found ? found.entry().id() : result.getClass().getSimpleName();
    }

    @Test
    void equallySpecificRoutesKeepConfigurationOrder() {
        RoutingTable<String> table = RoutingTable.of(List.of(
                route("first", "/a/{x}/c"),
                route("second", "/a/{y}/c"),
                route("third", "/a/*/c")));
        assertThat(found(table, "GET", "h", "/a/b/c")).isEqualTo("first");
        RoutingTable<String> reversed = RoutingTable.of(List.of(route("second", "/a/{y}/c"), route("first", "/a/{x}/c")));
        assertThat(found(reversed, "GET", "h", "/a/b/c")).isEqualTo("second");
        assertThat(reversed.match("GET", "h", PathTemplate.split("/a/b/c"), name -> null))
                .isInstanceOfSatisfying(RoutingTable.Found.class, match -> assertThat(match.parameters()).containsExactly(Map.entry("y", "b")));
    }

    @Test
    void literalsBeforeParametersBeforeWildcards() {
        RoutingTable<String> table = RoutingTable.of(List.of(
                route("wildcard", "/a/*"),
                route("parameter", "/a/{x}"),
                route("literal", "/a/b")));
        assertThat(found(table, "GET", "h", "/a/b")).isEqualTo("literal");
        assertThat(found(table, "GET", "h", "/a/z")).isEqualTo("parameter");
        assertThat(found(table, "GET", "h", "/a/")).isEqualTo("NotFound");
        RoutingTable<String> noParameter = RoutingTable.of(List.of(route("wildcard", "/a/*"), route("literal", "/a/b")));
        assertThat(found(noParameter, "GET", "h", "/a/z")).isEqualTo("wildcard");
    }

    @Test
    void aParameterRouteWithoutRestOutranksALiteralRouteEndingInRest() {
        // Specificity is global: no ** first, whatever the trie's literal branch would find first.
        RoutingTable<String> table = RoutingTable.of(List.of(
                route("literal-rest", "/a/b/**"),
                route("parameter", "/a/{x}/c")));
        assertThat(found(table, "GET", "h", "/a/b/c")).isEqualTo("parameter");
        assertThat(found(table, "GET", "h", "/a/b/d")).isEqualTo("literal-rest");
        assertThat(found(table, "GET", "h", "/a/b")).isEqualTo("literal-rest");
    }

    @Test
    void restTailsTakeZeroOrMoreSegmentsAndMoreLiteralsWin() {
        RoutingTable<String> table = RoutingTable.of(List.of(
                route("root", "/**"),
                route("api", "/api/**"),
                route("tasks", "/api/items/{id}/tasks/**"),
                route("items", "/api/items/**")));
        assertThat(found(table, "GET", "h", "/")).isEqualTo("root");
        assertThat(found(table, "GET", "h", "/api")).isEqualTo("api");
        assertThat(found(table, "GET", "h", "/api/items")).isEqualTo("items");
        assertThat(found(table, "GET", "h", "/api/items/")).isEqualTo("items");
        // Same literal count, fewer captures first: /api/items/** over a hypothetical /api/{x}/items/**.
        assertThat(found(table, "GET", "h", "/api/items/7/x/y/")).isEqualTo("items");
        assertThat(found(table, "GET", "h", "/api/items/7/tasks")).isEqualTo("tasks");
        assertThat(found(table, "GET", "h", "/other/x")).isEqualTo("root");
        assertThat(table.match("GET", "h", PathTemplate.split("/api/items/7/tasks/x/y"), name -> null))
                .isInstanceOfSatisfying(RoutingTable.Found.class,
                        match -> assertThat(match.parameters()).containsEntry("id", "7").containsEntry("**", "x/y"));
        RoutingTable<String> captures = RoutingTable.of(List.of(route("capture", "/api/{x}/items/**"), route("literal", "/api/v1/items/**"),
                route("fewer-captures", "/api/items/{id}/**")));
        assertThat(found(captures, "GET", "h", "/api/v1/items/3")).isEqualTo("literal");
        assertThat(found(captures, "GET", "h", "/api/v2/items/3")).isEqualTo("capture");
        assertThat(found(captures, "GET", "h", "/api/items/items/3")).isEqualTo("capture");
    }

    @Test
    void aTrailingSlashIsAnEmptyLiteralSegment() {
        RoutingTable<String> table = RoutingTable.of(List.of(route("slash", "/a/"), route("bare", "/a")));
        assertThat(found(table, "GET", "h", "/a/")).isEqualTo("slash");
        assertThat(found(table, "GET", "h", "/a")).isEqualTo("bare");
        assertThat(found(table, "GET", "h", "/a//")).isEqualTo("NotFound");
    }

    @Test
    void hostsAreIndexedButDoNotChangeSpecificity() {
        List<RoutingTable.Entry<String>> routes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            routes.add(route("tenant-" + i, "/**", Set.of(), List.of("t" + i + ".example.com"), Map.of()));
        }
        routes.add(route("wildcard-host", "/**", Set.of(), List.of("*.example.com"), Map.of()));
        routes.add(route("any-host", "/**"));
        RoutingTable<String> table = RoutingTable.of(routes);
        assertThat(found(table, "GET", "t517.example.com", "/x")).isEqualTo("tenant-517");
        assertThat(found(table, "GET", "other.example.com", "/x")).isEqualTo("wildcard-host");
        assertThat(found(table, "GET", "deep.t1.example.com", "/x")).isEqualTo("wildcard-host");
        assertThat(found(table, "GET", "example.com", "/x")).isEqualTo("any-host");
        // An any-host route configured first, with an equally specific path, comes first.
        RoutingTable<String> anyFirst = RoutingTable.of(List.of(route("any-host", "/**"),
                route("tenant", "/**", Set.of(), List.of("t.example.com"), Map.of())));
        assertThat(found(anyFirst, "GET", "t.example.com", "/x")).isEqualTo("any-host");
        // A host route with a more specific path wins over an any-host route.
        RoutingTable<String> specific = RoutingTable.of(List.of(route("any-host", "/**"),
                route("tenant", "/api", Set.of(), List.of("t.example.com", "*.tenant.test"), Map.of())));
        assertThat(found(specific, "GET", "t.example.com", "/api")).isEqualTo("tenant");
        assertThat(found(specific, "GET", "a.tenant.test", "/api")).isEqualTo("tenant");
        assertThat(found(specific, "GET", "tenant.test", "/api")).isEqualTo("any-host");
    }

    @Test
    void methodsAreIndexedAndTheAllowedOnesCollectedAcrossRoutes() {
        RoutingTable<String> table = RoutingTable.of(List.of(
                route("read", "/items/{id}", Set.of("GET", "HEAD"), List.of(), Map.of()),
                route("write", "/items/{id}", Set.of("PUT"), List.of(), Map.of()),
                route("delete", "/items/*", Set.of("DELETE"), List.of(), Map.of()),
                route("other-host", "/items/{id}", Set.of("PATCH"), List.of("other"), Map.of()),
                route("versioned", "/items/{id}", Set.of("POST"), List.of(), Map.of("X-Version", "2"))));
        assertThat(found(table, "PUT", "h", "/items/1")).isEqualTo("write");
        assertThat(found(table, "DELETE", "h", "/items/1")).isEqualTo("delete");
        assertThat(found(table, "HEAD", "h", "/items/1")).isEqualTo("read");
        assertThat(found(table, "POST", "h", "/items/1", Map.of("X-Version", "2"))).isEqualTo("versioned");
        assertThat(table.match("POST", "h", PathTemplate.split("/items/1"), name -> null))
                .isInstanceOfSatisfying(RoutingTable.MethodNotAllowed.class, notAllowed -> assertThat(notAllowed.allowed())
                        .containsExactlyInAnyOrder("GET", "HEAD", "PUT", "DELETE"));
        assertThat(found(table, "GET", "h", "/items/1/more")).isEqualTo("NotFound");
    }

    @Test
    void answersLikeWalkingTheRoutesInOrderOverManyRandomTables() {
        Random random = new Random(13);
        String[] literals = {"a", "b", "api", "v1", "items", ""};
        String[] methods = {"GET", "POST", "PUT", "DELETE"};
        String[] hosts = {"x.com", "a.x.com", "b.a.x.com", "y.org", "*.x.com", "*.a.x.com"};
        int lookups = 0;
        for (int tableNumber = 0; tableNumber < 300; tableNumber++) {
            List<RoutingTable.Entry<String>> routes = new ArrayList<>();
            int count = 1 + random.nextInt(tableNumber % 10 == 0 ? 400 : 40);
            for (int i = 0; i < count; i++) {
                StringBuilder path = new StringBuilder();
                int segments = random.nextInt(5);
                int parameters = 0;
                for (int s = 0; s < segments; s++) {
                    int kind = random.nextInt(10);
                    String segment = kind < 6 ? literals[random.nextInt(literals.length - 1)]
                            : kind < 8 ? "{p" + parameters++ + "}" : "*";
                    path.append('/').append(segment);
                }
                boolean rest = random.nextInt(3) == 0;
                if (rest) {
                    path.append("/**");
                }
                else if (random.nextInt(8) == 0) {
                    path.append('/');
                }
                Set<String> routeMethods = new LinkedHashSet<>();
                if (random.nextInt(3) == 0) {
                    for (int m = 0; m <= random.nextInt(2); m++) {
                        routeMethods.add(methods[random.nextInt(methods.length)]);
                    }
                }
                List<String> routeHosts = new ArrayList<>();
                if (random.nextInt(4) == 0) {
                    for (int h = 0; h <= random.nextInt(2); h++) {
                        routeHosts.add(hosts[random.nextInt(hosts.length)]);
                    }
                }
                Map<String, String> headers = random.nextInt(6) == 0
                        ? Map.of("X-V", random.nextBoolean() ? "1" : "*") : Map.of();
                routes.add(route("r" + i, path.length() == 0 ? "/" : path.toString(), routeMethods, routeHosts, headers));
            }
            RoutingTable<String> table = RoutingTable.of(routes);
            for (int p = 0; p < 200; p++) {
                List<String> segments = new ArrayList<>();
                int length = random.nextInt(7);
                for (int s = 0; s < length; s++) {
                    segments.add(random.nextInt(4) == 0 ? "z" + random.nextInt(3) : literals[random.nextInt(literals.length)]);
                }
                String method = methods[random.nextInt(methods.length)];
                String host = hosts[random.nextInt(4)];
                Map<String, String> requestHeaders = random.nextBoolean() ? Map.of() : Map.of("X-V", random.nextBoolean() ? "1" : "2");
                RoutingTable.Result<String> expected = walkInOrder(table.entries(), method, host, segments, requestHeaders::get);
                RoutingTable.Result<String> actual = table.match(method, host, segments, requestHeaders::get);
                assertThat(actual).as("%s %s %s %s in %s", method, host, segments, requestHeaders, routes).isEqualTo(expected);
                lookups++;
            }
        }
        assertThat(lookups).isEqualTo(300 * 200);
    }

    /** The table's answer as it was computed before the trie: the routes walked in order. */
    private static <T> RoutingTable.Result<T> walkInOrder(List<RoutingTable.Entry<T>> entries, String method, String host,
                                                          List<String> segments, Function<String, String> header) {
        Set<String> allowed = null;
        for (RoutingTable.Entry<T> entry : entries) {
            Map<String, String> parameters = entry.template().match(segments);
            if (parameters == null || !entry.matchesHost(host) || !entry.matchesHeaders(header)) {
                continue;
            }
            if (entry.methods().isEmpty() || entry.methods().contains(method)) {
                return new RoutingTable.Found<>(entry, new HashMap<>(parameters));
            }
            if (allowed == null) {
                allowed = new LinkedHashSet<>();
            }
            allowed.addAll(entry.methods());
        }
        return allowed == null ? new RoutingTable.NotFound<>() : new RoutingTable.MethodNotAllowed<>(Set.copyOf(allowed));
    }
}
