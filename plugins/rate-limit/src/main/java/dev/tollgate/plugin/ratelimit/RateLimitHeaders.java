package dev.tollgate.plugin.ratelimit;

import dev.tollgate.api.http.Headers;
import dev.tollgate.plugin.ratelimit.internal.Decision;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The response fields for a request's decisions: {@code RateLimit-Policy} and {@code RateLimit}
 * of draft-ietf-httpapi-ratelimit-headers (structured-field lists, one item per policy checked:
 * {@code "per-ip";q=100;w=1} and {@code "per-ip";r=0;t=1}), and optionally the legacy
 * {@code X-RateLimit-*} fields of the policy with the fewest requests left.
 */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    /**
     * Adds the fields to a response that may already carry some, from another rate-limit filter
     * further down the chain (or the backend): the structured lists are joined, so each policy
     * checked is listed once per filter; the legacy fields are those of the tightest policy.
     */
    static void addTo(Headers headers, List<Decision> decisions, boolean legacy) {
        Map<String, String> fields = of(decisions, legacy);
        boolean tighter = legacy && remaining(headers.get("X-RateLimit-Remaining")) > Long.parseLong(fields.get("X-RateLimit-Remaining"));
        fields.forEach((name, value) -> {
            String existing = headers.get(name);
            if (name.startsWith("RateLimit")) {
                headers.set(name, existing == null || existing.isEmpty() ? value : value + ", " + existing);
            }
            else if (tighter) {
                headers.set(name, value);
            }
        });
    }

    /** A legacy remaining count already on the response; none (or not a count) counts as unlimited. */
    private static long remaining(String value) {
        if (value == null || value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Long.MAX_VALUE;
        }
        return Long.parseLong(value);
    }

    static Map<String, String> of(List<Decision> decisions, boolean legacy) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("RateLimit-Policy", decisions.stream()
                .map(decision -> '"' + decision.policy().name() + "\";q=" + decision.policy().limit()
                        + ";w=" + decision.policy().windowSeconds())
                .collect(Collectors.joining(", ")));
        headers.put("RateLimit", decisions.stream()
                .map(decision -> '"' + decision.policy().name() + "\";r=" + decision.remaining() + ";t=" + decision.resetSeconds())
                .collect(Collectors.joining(", ")));
        if (legacy) {
            Decision tightest = decisions.stream().min(Comparator.comparingLong(Decision::remaining)).orElseThrow();
            headers.put("X-RateLimit-Limit", Long.toString(tightest.policy().limit()));
            headers.put("X-RateLimit-Remaining", Long.toString(tightest.remaining()));
            headers.put("X-RateLimit-Reset", Long.toString(tightest.resetSeconds()));
        }
        return headers;
    }
}
