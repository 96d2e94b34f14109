package dev.tollgate.api.upstream;

import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.http.Exchange;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One service of the {@link Upstreams} registry, as a backend uses it: choose an instance for each
 * attempt of an exchange, report how the attempt went, retry within the service's
 * {@link RetryPolicy}.
 *
 * <pre>{@code
 * Attempt attempt = upstream.choose(exchange, Set.of());   // throws UNAVAILABLE when none is
 * send(attempt.instance(), request)
 *     .whenComplete((response, failure) -> {
 *         if (failure == null) attempt.responded(response.status());
 *         else attempt.failed(Attempt.Failure.CONNECT);
 *     });
 * // … once the response body has been relayed, or abandoned:
 * attempt.close();
 * }</pre>
 *
 * <p>Thread-safe; {@link #choose} is on the request path, never blocks and allocates little.
 */
public interface Upstream {

    /** The service's name in {@code gateway.services}. */
    String name();

    /** The instances known now, healthy or not, in configuration or discovery order. */
    List<ServiceInstance> instances();

    /**
     * Chooses an instance for one attempt, with the service's load-balancing policy, among the
     * instances that are available: not marked down by active health checks, not ejected after
     * passive failures, and whose circuit breaker lets a request through (closed, or half-open
     * with a probe slot free). When every instance is unavailable but some exist, the runtime
     * may still return one (panic mode: better a possibly failing backend than none), as the
     * service's configuration says.
     *
     * @param exchange the exchange, for policies that key on the request (consistent hash on a
     *        header, cookie or the client address)
     * @param excluded ids of instances this exchange already tried; a retry goes elsewhere when
     *        another instance is available, and to one of these only when none is
     * @throws dev.tollgate.api.GatewayException {@code UNAVAILABLE} when no instance is available
     */
    Attempt choose(Exchange exchange, Set<String> excluded);

    /** How attempts of this service may be retried. */
    RetryPolicy retryPolicy();

    /**
     * Calls {@code listener} with the complete instance list after every change (discovery
     * updates), so a backend can release what it holds for instances that left. Called on a
     * runtime thread; must not block.
     */
    Subscription watch(Consumer<List<ServiceInstance>> listener);
}
