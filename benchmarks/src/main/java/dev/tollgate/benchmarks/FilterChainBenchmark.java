package dev.tollgate.benchmarks;

import dev.tollgate.api.http.Attribute;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import dev.tollgate.api.Principal;
import dev.tollgate.runtime.chain.FilterChain;
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

import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The runtime's {@link FilterChain} itself: one exchange through 0, 3 or 10 filters that only
 * proceed, to a terminal step that completes at once. Each filter has a class loader of its own,
 * as plugins do, so the context class loader switch at every step is counted. What the filters
 * and the endpoint do is not: this is the price of the chain per request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
public class FilterChainBenchmark {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    @Param({"0", "3", "10"})
    public int filters;

    private FilterChain chain;
    private final Exchange exchange = new PassedAlongExchange();

    @Setup
    public void build() {
        List<FilterChain.Step> steps = new ArrayList<>();
        for (int i = 0; i < filters; i++) {
            ClassLoader pluginLoader = new URLClassLoader("plugin-" + i, new URL[0], FilterChainBenchmark.class.getClassLoader());
            Filter proceeding = (exchange, next) -> next.proceed(exchange);
            steps.add(FilterChain.Step.filter("filter-" + i, proceeding, pluginLoader));
        }
        ClassLoader endpointLoader = new URLClassLoader("endpoint", new URL[0], FilterChainBenchmark.class.getClassLoader());
        FilterChain.Step terminal = FilterChain.Step.handler("endpoint", "done", exchange -> DONE, endpointLoader);
        chain = FilterChain.of(steps, terminal, (exchange, failure) -> {
            throw new IllegalStateException("a step of the benchmark failed", failure);
        });
    }

    @Benchmark
    public CompletionStage<Void> run() {
        return chain.start(exchange);
    }

    /** The exchange handed from step to step; the benchmark's steps never look inside. */
    private static final class PassedAlongExchange implements Exchange {
        @Override
        public String requestId() {
            return "benchmark";
        }

        @Override
        public Request request() {
            throw new UnsupportedOperationException("the benchmark's filters do not read the request");
        }

        @Override
        public Response response() {
            throw new UnsupportedOperationException("the benchmark's filters do not write the response");
        }

        @Override
        public Route route() {
            throw new UnsupportedOperationException("the benchmark's filters do not read the route");
        }

        @Override
        public Connection connection() {
            throw new UnsupportedOperationException("the benchmark's filters do not read the connection");
        }

        @Override
        public Optional<Principal> principal() {
            return Optional.empty();
        }

        @Override
        public void setPrincipal(Principal principal) {
            throw new UnsupportedOperationException("the benchmark's filters do not authenticate");
        }

        @Override
        public <T> T attribute(Attribute<T> key) {
            throw new UnsupportedOperationException("the benchmark's filters keep no attributes");
        }

        @Override
        public <T> void setAttribute(Attribute<T> key, T value) {
            throw new UnsupportedOperationException("the benchmark's filters keep no attributes");
        }

        @Override
        public void onComplete(Consumer<Throwable> listener) {
            throw new UnsupportedOperationException("the benchmark's filters do not listen for completion");
        }

        @Override
        public CompletionStage<Void> upgradeToWebSocket(WebSocketHandler handler, WebSocketSettings settings) {
            throw new UnsupportedOperationException("the benchmark's filters do not upgrade");
        }
    }
}
