package dev.tollgate.api.upstream;

import java.net.URI;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One reachable instance of a service as a discovery source reports it.
 *
 * @param id stable identity within the service (e.g. {@code host:port}); used to keep health
 *        and circuit state across updates
 * @param address where to reach it: {@code http://host:port}, {@code https://…}, {@code h2c://…}
 * @param weight relative share of traffic for weighted policies, at least 1
 * @param metadata free-form facts (zone, version) for policies and diagnostics
 */
public record ServiceInstance(String id, URI address, int weight, Map<String, String> metadata) {

    public ServiceInstance {
        requireNonNull(id, "id is null");
        requireNonNull(address, "address is null");
        if (address.getHost() == null || address.getScheme() == null) {
            throw new IllegalArgumentException("instance address needs a scheme and a host: " + address);
        }
        if (weight < 1) {
            throw new IllegalArgumentException("instance weight must be at least 1: " + weight);
        }
        metadata = Map.copyOf(requireNonNull(metadata, "metadata is null"));
    }

    /**
     * The address parsed: scheme, host and port (the scheme's default when the URL has none).
     *
     * @throws IllegalArgumentException when the address' scheme is not one instances may use
     * @since 1.2
     */
    public InstanceAddress endpoint() {
        return InstanceAddress.of(address);
    }

    /** An instance with weight 1 and no metadata, identified by its address' authority. */
    public static ServiceInstance of(URI address) {
        return new ServiceInstance(address.getAuthority(), address, 1, Map.of());
    }
}
