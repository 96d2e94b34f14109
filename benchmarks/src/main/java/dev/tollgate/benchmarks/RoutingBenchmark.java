package dev.tollgate.benchmarks;

import dev.tollgate.runtime.route.PathTemplate;
import dev.tollgate.runtime.route.RoutingTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Routing one request as the router does it: split the decoded path into segments, then
 * {@link RoutingTable#match}, in a table of 1, 100 or 10 000 routes {@code /svc<i>/items/{id}/**}
 * (the shape of bench/routes.sh). {@code hit} asks for a route in the middle of the table,
 * {@code miss} for a path no route takes. {@code walkHit} is the lookup the table made before the
 * trie (every route in specificity order, first match), kept here for comparison.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
public class RoutingBenchmark {
    private static final Function<String, String> NO_HEADERS = name -> null;

    @Param({"1", "100", "10000"})
    public int routes;

    private RoutingTable<String> table;
    private String hitPath;
    private final String missPath = "/nothing/here/42/details";

    @Setup
    public void build() {
        List<RoutingTable.Entry<String>> entries = new ArrayList<>(routes);
        for (int i = 0; i < routes; i++) {
            String id = "svc" + i;
            entries.add(new RoutingTable.Entry<>(id, PathTemplate.parse("/svc" + i + "/items/{id}/**"), Set.of(), List.of(), Map.of(), id));
        }
        table = RoutingTable.of(entries);
        hitPath = "/svc" + routes / 2 + "/items/42/details";
        if (!(table.match("GET", "localhost", PathTemplate.split(hitPath), NO_HEADERS) instanceof RoutingTable.Found<String>)
                || !(table.match("GET", "localhost", PathTemplate.split(missPath), NO_HEADERS) instanceof RoutingTable.NotFound<String>)) {
            throw new IllegalStateException("the benchmark's paths do not hit and miss as intended");
        }
    }

    @Benchmark
    public RoutingTable.Result<String> hit() {
        return table.match("GET", "localhost", PathTemplate.split(hitPath), NO_HEADERS);
    }

    @Benchmark
    public RoutingTable.Result<String> miss() {
        return table.match("GET", "localhost", PathTemplate.split(missPath), NO_HEADERS);
    }

    @Benchmark
    public RoutingTable.Result<String> walkHit() {
        return walk(table.entries(), "GET", "localhost", PathTemplate.split(hitPath));
    }

    /** The table's lookup before the trie: the routes in order, the first that matches. */
    private static RoutingTable.Result<String> walk(List<RoutingTable.Entry<String>> entries, String method, String host,
                                                    List<String> segments) {
        Set<String> allowed = null;
        for (RoutingTable.Entry<String> entry : entries) {
            Map<String, String> parameters = entry.template().match(segments);
            boolean hostMatches = entry.hosts().isEmpty() || entry.hosts().contains(host);
            if (parameters == null || !hostMatches || !entry.headers().isEmpty()) {
                continue;
            }
            if (entry.methods().isEmpty() || entry.methods().contains(method)) {
                return new RoutingTable.Found<>(entry, parameters);
            }
            if (allowed == null) {
                allowed = new LinkedHashSet<>();
            }
            allowed.addAll(entry.methods());
        }
        return allowed == null ? new RoutingTable.NotFound<>() : new RoutingTable.MethodNotAllowed<>(Set.copyOf(allowed));
    }
}
