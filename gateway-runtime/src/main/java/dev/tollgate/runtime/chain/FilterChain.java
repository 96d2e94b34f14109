package dev.tollgate.runtime.chain;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.api.http.Filter;
import dev.tollgate.runtime.plugin.ContextClassLoader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * A route's filters (or the gateway-wide ones), sorted once by {@link Filter#order()}, followed
 * by the backend or endpoint (or the router): an index-driven chain in the manner of OkHttp's
 * {@code RealInterceptorChain}.
 *
 * <p>Each step gets its own {@link Filter.Chain} cursor, which enforces the contract: proceed at
 * most once, with an exchange, and every step returns a stage. A violation fails the exchange
 * with a message naming the offending filter. Each call into a plugin runs with that plugin's
 * class loader as the thread's context class loader.
 *
 * <p>Errors are responses: when the rest of the chain after a filter fails, the cursor has the
 * {@link FailureHandler} turn the failure into an error response on the exchange and completes
 * normally, so the filter's code after {@code proceed} runs for the error as for any response.
 *
 * <p>{@link #authenticate} runs only the leading steps below {@link Filter.Order#AUTHORIZATION}
 * (security screening and authentication), under the same contract, and ends in a step of its
 * own that records the principal instead of calling the backend or endpoint.
 */
public final class FilterChain {
    private final Step[] filters;
    private final Run full;
    /** How many of the (sorted) filters are below {@link Filter.Order#AUTHORIZATION}. */
    private final int authenticationSteps;
    private final FailureHandler failures;

    private FilterChain(Step[] filters, Step terminal, FailureHandler failures) {
        this.filters = filters;
        this.failures = failures;
        this.full = new Run(filters.length, terminal, true);
        int leading = 0;
        while (leading < filters.length && filters[leading].order() < Filter.Order.AUTHORIZATION) {
            leading++;
        }
        this.authenticationSteps = leading;
    }

    /**
     * A chain of {@code filters} (in route order, stably sorted by their order) ending in
     * {@code terminal}.
     */
    public static FilterChain of(List<Step> filters, Step terminal, FailureHandler failures) {
        requireNonNull(terminal, "terminal is null");
        requireNonNull(failures, "failures is null");
        List<Step> sorted = new ArrayList<>(filters);
        sorted.sort(Comparator.comparingInt(Step::order));
        return new FilterChain(sorted.toArray(Step[]::new), terminal, failures);
    }

    /** Whether the chain has no filters, only its terminal step. */
    public boolean hasFilters() {
        return filters.length > 0;
    }

    /** The names of the steps in the order they run, the terminal last. */
    public List<String> describe() {
        List<String> names = new ArrayList<>();
        for (Step step : filters) {
            names.add(step.name());
        }
        names.add(full.terminal().name());
        return List.copyOf(names);
    }

    /**
     * Runs the chain from its first step. The stage may fail: the caller answers the failure (the
     * runtime's outermost step renders it; a chain run from a terminal step of another chain has
     * its failure rendered by that chain's cursor).
     */
    public CompletionStage<Void> start(Exchange exchange) {
        return invoke(full, 0, exchange);
    }

    /**
     * Runs the filters of order below {@link Filter.Order#AUTHORIZATION} on {@code exchange}
     * (for {@link Exchange#authenticate}, a copy made for the purpose), followed by a final step
     * that completes at once.
     *
     * @return the principal of the exchange the final step received (empty when none was set),
     *         or a failed stage: the failure of a filter (as raised, not translated), or
     *         {@code UNAUTHORIZED} when a filter completed without proceeding
     */
    public CompletionStage<Optional<Principal>> authenticate(Exchange exchange) {
        requireNonNull(exchange, "exchange is null");
        AtomicReference<Optional<Principal>> authenticated = new AtomicReference<>();
        Step end = Step.handler("authentication", "end", reached -> {
            authenticated.set(reached.principal());
            return CompletableFuture.completedFuture(null);
        }, null);
        return invoke(new Run(authenticationSteps, end, false), 0, exchange).thenApply(ignored -> {
            Optional<Principal> principal = authenticated.get();
            if (principal == null) {
                throw new GatewayException(ErrorCode.UNAUTHORIZED, "the credentials were not accepted");
            }
            return principal;
        });
    }

    private CompletionStage<Void> invoke(Run run, int index, Exchange exchange) {
        boolean isFilter = index < run.steps();
        Step step = isFilter ? filters[index] : run.terminal();
        ClassLoader previous = ContextClassLoader.enter(step.loader());
        CompletionStage<Void> stage;
        try {
            stage = isFilter
                    ? step.filter().filter(exchange, new Cursor(this, run, index + 1, step.name()))
                    : step.handler().handle(exchange);
        }
        catch (RuntimeException | LinkageError e) {
            stage = CompletableFuture.failedStage(e);
        }
        finally {
            ContextClassLoader.exit(previous);
        }
        if (stage == null) {
            return CompletableFuture.failedStage(new IllegalStateException(
                    step.kind() + " '" + step.name() + "' returned a null stage"));
        }
        return stage;
    }

    /**
     * What one run of the chain goes through: the first {@code steps} filters, then
     * {@code terminal} (the backend or endpoint for a whole run).
     *
     * @param failuresAreResponses whether a failure after a filter becomes a response on its way
     *        back (a whole run), or travels back as a failure (an authentication run, whose caller
     *        wants the filter's refusal as it was raised)
     */
    private record Run(int steps, Step terminal, boolean failuresAreResponses) {
    }

    /** Turns a failed step into the exchange's error response (the runtime's JSON error shape). */
    @FunctionalInterface
    public interface FailureHandler {
        /** Replaces the exchange's response with the error response for {@code failure}; never throws. */
        void respond(Exchange exchange, Throwable failure);
    }

    /**
     * One step: a filter, or the final handler.
     *
     * @param kind {@code filter}, {@code backend}, {@code endpoint} or {@code authentication}, for messages
     * @param name the component's name as configured
     * @param loader the plugin's class loader, or {@code null} to keep the caller's
     */
    public record Step(String kind, String name, Filter filter, ExchangeHandler handler, int order, ClassLoader loader) {
        public Step {
            requireNonNull(kind, "kind is null");
            requireNonNull(name, "name is null");
            if ((filter == null) == (handler == null)) {
                throw new IllegalArgumentException("a step is either a filter or a handler");
            }
        }

        /** A filter step; reads the filter's order once, under its class loader. */
        public static Step filter(String name, Filter filter, ClassLoader loader) {
            return ContextClassLoader.call(loader, () -> new Step("filter", name, filter, null, filter.order(), loader));
        }

        /** The final step. */
        public static Step handler(String kind, String name, ExchangeHandler handler, ClassLoader loader) {
            return new Step(kind, name, null, handler, Integer.MAX_VALUE, loader);
        }
    }

    /** The rest of the chain after one filter; usable once. */
    private static final class Cursor implements Filter.Chain {
        private static final AtomicIntegerFieldUpdater<Cursor> USED = AtomicIntegerFieldUpdater.newUpdater(Cursor.class, "used");

        private final FilterChain chain;
        private final Run run;
        private final int next;
        private final String caller;
        private volatile int used;

        Cursor(FilterChain chain, Run run, int next, String caller) {
            this.chain = chain;
            this.run = run;
            this.next = next;
            this.caller = caller;
        }

        @Override
        public CompletionStage<Void> proceed(Exchange exchange) {
            if (exchange == null) {
                return CompletableFuture.failedStage(new IllegalStateException("filter '" + caller + "' called proceed with a null exchange"));
            }
            if (!USED.compareAndSet(this, 0, 1)) {
                return CompletableFuture.failedStage(new IllegalStateException("filter '" + caller + "' called proceed more than once"));
            }
            CompletionStage<Void> rest = chain.invoke(run, next, exchange);
            if (!run.failuresAreResponses()) {
                return rest;
            }
            // A stage already completed normally needs no wrapping (the common synchronous case). The
            // class test keeps out CompletableFuture.failedStage's minimal stages, whose isDone throws.
            if (rest instanceof CompletableFuture<Void> future && future.getClass() == CompletableFuture.class
                    && future.isDone() && !future.isCompletedExceptionally()) {
                return future;
            }
            FailureHandler failures = chain.failures;
            return rest.handle((ignored, failure) -> {
                if (failure != null) {
                    failures.respond(exchange, failure);
                }
                return null;
            });
        }
    }
}
