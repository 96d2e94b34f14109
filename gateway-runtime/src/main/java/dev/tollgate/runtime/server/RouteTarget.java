package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.runtime.chain.FilterChain;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * What a routing table entry leads to: the route's pre-built filter chain ending in its backend
 * or endpoint, its limits and its metrics. Built once per route when the routing table is built.
 *
 * @param id the route id
 * @param pathTemplate the route's path template as configured
 * @param targetName the service or endpoint name
 * @param chain filters and the final handler
 * @param maxRequestBodySize larger bodies are refused with 413
 * @param maxBufferedBodySize the most {@code bufferBody} may hold
 * @param minRequestDataRate bytes per second, while the gateway waits for request body bytes,
 *        below which the body read fails with 408; 0 for none
 * @param minResponseDataRate bytes per second, while the gateway waits for the client to take
 *        response bytes, below which the response is aborted; 0 for none
 * @param metrics request counts and latency of the route
 * @param targetLoader the class loader of the backend or endpoint plugin, the context loader
 *        while its body publisher runs
 */
public record RouteTarget(
        String id,
        String pathTemplate,
        String targetName,
        FilterChain chain,
        long maxRequestBodySize,
        long maxBufferedBodySize,
        long minRequestDataRate,
        long minResponseDataRate,
        RouteMetrics metrics,
        ClassLoader targetLoader) {

    public RouteTarget {
        requireNonNull(id, "id is null");
        requireNonNull(pathTemplate, "pathTemplate is null");
        requireNonNull(targetName, "targetName is null");
        requireNonNull(chain, "chain is null");
        requireNonNull(metrics, "metrics is null");
        requireNonNull(targetLoader, "targetLoader is null");
    }

    /**
     * The binding of exchanges that no configured route answers — while the gateway-wide filters
     * run, when none matches, or for the system endpoints — with the server's limits, metrics of
     * their own, and no filters. Its id, template and target are empty, as the SPI promises for
     * {@code Exchange.route()} before routing.
     */
    public static RouteTarget unrouted(long maxRequestBodySize, long maxBufferedBodySize, long minRequestDataRate,
                                       long minResponseDataRate, RouteMetrics metrics, FilterChain.FailureHandler errors) {
        FilterChain none = FilterChain.of(List.of(), FilterChain.Step.handler("router", "none",
                exchange -> CompletableFuture.failedFuture(new GatewayException(ErrorCode.NOT_FOUND, "no route")), null), errors);
        return new RouteTarget("", "", "", none, maxRequestBodySize, maxBufferedBodySize, minRequestDataRate, minResponseDataRate,
                metrics, RouteTarget.class.getClassLoader());
    }
}
