package dev.tollgate.plugin.ratelimit.internal;

import dev.tollgate.api.http.Exchange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which policies a request is checked against, with its key under each: a policy whose key the
 * request lacks is replaced by its fallback (followed until one has a key), or skipped; a policy
 * reached twice (listed, and the fallback of another) is checked once.
 */
public final class PolicyKeys {
    private final List<Policy> policies;
    private final Map<String, Policy> byName = new HashMap<>();

    public PolicyKeys(List<Policy> policies) {
        this.policies = List.copyOf(policies);
        policies.forEach(policy -> byName.put(policy.name(), policy));
    }

    /** A policy to check and the request's key under it. */
    public record Check(Policy policy, String key) {
    }

    public List<Check> checks(Exchange exchange) {
        List<Check> checks = new ArrayList<>(policies.size());
        for (Policy listed : policies) {
            Policy policy = listed;
            Optional<String> key = KeySource.read(policy.key(), exchange);
            while (key.isEmpty() && policy.fallback().isPresent()) {
                policy = byName.get(policy.fallback().get());
                key = KeySource.read(policy.key(), exchange);
            }
            if (key.isPresent() && !contains(checks, policy)) {
                checks.add(new Check(policy, key.get()));
            }
        }
        return checks;
    }

    private static boolean contains(List<Check> checks, Policy policy) {
        for (Check check : checks) {
            if (check.policy() == policy) {
                return true;
            }
        }
        return false;
    }
}
