package dev.tollgate.api.upstream;

import java.util.Set;

/**
 * The runtime's registry of services ({@code gateway.services}): their instances, as static
 * configuration or a {@link Discovery} source gives them, and what the runtime tracks about each
 * instance — active health checks, passive failures, circuit breakers, requests in flight and
 * latency. Backends choose an instance through it for every attempt and report how it went, so
 * load balancing, health and retries behave the same for every backend (HTTP, gRPC, WebSocket).
 *
 * <p>Thread-safe; nothing here blocks.
 */
public interface Upstreams {

    /**
     * The service of that name.
     *
     * @throws IllegalArgumentException when no service has that name
     */
    Upstream service(String name);

    /** The names of every configured service. */
    Set<String> serviceNames();
}
