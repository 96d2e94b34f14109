package dev.tollgate.plugin.discoveryredis.internal;

import static java.util.Objects.requireNonNull;

/**
 * The Redis names of one service's registry entries (see the module's README for the protocol).
 * The service name is a Redis Cluster hash tag ({@code {orders}}), so both keys live in one hash
 * slot: a registration writes them in one transaction or script, and a gateway reads them in one
 * atomic script, in every Redis mode.
 *
 * @param liveness sorted set: instance id → expiry in epoch milliseconds ({@code <prefix>{<service>}})
 * @param instances hash: instance id → JSON description ({@code <prefix>{<service>}:instances})
 * @param changes pub/sub channel: an instance id after every change ({@code <prefix>{<service>}:changes})
 */
public record RegistryKeys(String liveness, String instances, String changes) {

    public RegistryKeys {
        requireNonNull(liveness, "liveness is null");
        requireNonNull(instances, "instances is null");
        requireNonNull(changes, "changes is null");
    }

    /**
     * The keys of {@code service} under {@code prefix}.
     *
     * @throws IllegalArgumentException when the prefix or the service name would break the hash tag
     */
    public static RegistryKeys of(String prefix, String service) {
        requireNonNull(prefix, "prefix is null");
        requireNonNull(service, "service is null");
        String prefixProblem = prefixProblem(prefix);
        if (prefixProblem != null) {
            throw new IllegalArgumentException("key prefix '" + prefix + "' " + prefixProblem);
        }
        if (service.isEmpty() || service.indexOf('{') >= 0 || service.indexOf('}') >= 0) {
            throw new IllegalArgumentException("service name '" + service + "' must be non-empty and without { or }");
        }
        String base = prefix + "{" + service + "}";
        return new RegistryKeys(base, base + ":instances", base + ":changes");
    }

    /** What is wrong with a key prefix, or null when it is acceptable. */
    public static String prefixProblem(String prefix) {
        return prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0
                ? "must not contain { or }: the service name after it is the Redis Cluster hash tag"
                : null;
    }
}
