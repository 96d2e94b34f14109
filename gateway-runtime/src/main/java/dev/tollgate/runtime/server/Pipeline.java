package dev.tollgate.runtime.server;

import dev.tollgate.runtime.chain.FilterChain;
import dev.tollgate.runtime.route.RoutingTable;
import dev.tollgate.runtime.system.SystemEndpoints;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * What one configuration generation serves requests with: the gateway-wide filters ending in
 * the {@link Router} over the generation's routing table, and a count of the exchanges in flight
 * on it, so that a generation replaced by a reload can be drained before its components close.
 *
 * <p>Immutable but for the count. {@link #enter} fails once the pipeline is retired and drained,
 * and the handler then takes the current pipeline instead: no exchange starts on components that
 * are being closed.
 */
public final class Pipeline {
    private static final long CLOSED = Long.MIN_VALUE;

    private final FilterChain entry;
    private final FilterChain systemEntry;
    private final SystemEndpoints system;
    private final RouteTarget unmatched;
    private final AtomicLong inFlight = new AtomicLong();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean retired;

    /**
     * @param globalFilters the gateway-wide filters, in configuration order
     * @param system the system endpoints, or null when they are off
     * @param systemBehindGlobalFilters whether system endpoints run behind the gateway-wide filters
     * @param unmatched the binding of an exchange before (or without) a matching route
     */
    public Pipeline(RoutingTable<RouteTarget> routes, List<FilterChain.Step> globalFilters, SystemEndpoints system,
                    boolean systemBehindGlobalFilters, ServerSettings settings, RouteTarget unmatched) {
        requireNonNull(routes, "routes is null");
        requireNonNull(settings, "settings is null");
        this.unmatched = requireNonNull(unmatched, "unmatched is null");
        this.system = system;
        Router router = new Router(routes, settings, systemBehindGlobalFilters ? system : null);
        this.entry = FilterChain.of(globalFilters, FilterChain.Step.handler("router", "routes", router, null), settings.errors());
        this.systemEntry = system == null || systemBehindGlobalFilters ? null
                : FilterChain.of(List.of(), FilterChain.Step.handler("system", "system", system, null), settings.errors());
    }

    /** The gateway-wide chain, ending in routing and the route's chain. */
    FilterChain entry() {
        return entry;
    }

    /** The chain for system endpoints answered before the gateway-wide filters, when {@code path} is one; else null. */
    FilterChain systemEntry(String path) {
        return systemEntry != null && system.matches(path) ? systemEntry : null;
    }

    /** The gateway-wide chain's description, for the log. */
    public List<String> describe() {
        return entry.describe();
    }

    RouteTarget unmatched() {
        return unmatched;
    }

    /** Counts an exchange in; false when the pipeline was retired and has drained (take the current one). */
    boolean enter() {
        while (true) {
            long count = inFlight.get();
            if (count == CLOSED) {
                return false;
            }
            if (inFlight.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    /** Counts an exchange out. */
    void exit() {
        if (inFlight.decrementAndGet() == 0 && retired) {
            closeIfIdle();
        }
    }

    /** Exchanges in flight now. */
    public long inFlight() {
        long count = inFlight.get();
        return count == CLOSED ? 0 : count;
    }

    /**
     * No new exchange will be handed this pipeline; the stage completes when the last one in
     * flight has ended (at once when none is).
     */
    public CompletionStage<Void> retire() {
        retired = true;
        closeIfIdle();
        return drained;
    }

    private void closeIfIdle() {
        if (inFlight.compareAndSet(0, CLOSED)) {
            drained.complete(null);
        }
    }
}
