package dev.tollgate.plugin.ratelimit;

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
