package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.upstream.Attempt;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * A service's metrics, looked up once so that recording on the request path is a field read and
 * an increment. Exported as {@code tollgate_backend_http_<name>{service="…",…}}:
 * <ul>
 *   <li>{@code responses{status="2xx"}}: responses from instances by status class, retried ones included;</li>
 *   <li>{@code response_seconds}: from sending a request to its response headers;</li>
 *   <li>{@code errors{kind="connect"|"refused"|"reset"|"timeout"|"cancelled"|"body"}}: failed attempts,
 *       and responses whose body failed after the headers were relayed;</li>
 *   <li>{@code connections{state="active"|"idle"}} and {@code queued_requests}: the pools, read on scrape.</li>
 * </ul>
 * Retries are counted once, by the runtime's retry loop ({@code tollgate_upstream_retries_total}).
 */
final class ServiceMetrics {
    private final Metrics.Counter[] responses = new Metrics.Counter[6];
    private final Metrics.Counter[] errors = new Metrics.Counter[Attempt.Failure.values().length];
    private final Metrics.Counter bodyErrors;
    private final Metrics.Timer responseTime;

    ServiceMetrics(Metrics metrics, String service) {
        for (int statusClass = 1; statusClass <= 5; statusClass++) {
            responses[statusClass] = metrics.counter("responses", "service", service, "status", statusClass + "xx");
        }
        for (Attempt.Failure failure : Attempt.Failure.values()) {
            errors[failure.ordinal()] = metrics.counter("errors", "service", service, "kind", failure.name().toLowerCase(Locale.ROOT));
        }
        bodyErrors = metrics.counter("errors", "service", service, "kind", "body");
        responseTime = metrics.timer("response_seconds", "service", service);
    }

    /** Registers the pool gauges; the suppliers are read on scrape. */
    static void registerPoolGauges(Metrics metrics, String service, Supplier<Integer> active, Supplier<Integer> idle,
                                   Supplier<Integer> queued) {
        metrics.gauge("connections", active, "service", service, "state", "active");
        metrics.gauge("connections", idle, "service", service, "state", "idle");
        metrics.gauge("queued_requests", queued, "service", service);
    }

    void responded(int status, long nanos) {
        int statusClass = status / 100;
        if (statusClass >= 1 && statusClass <= 5) {
            responses[statusClass].increment();
        }
        responseTime.record(nanos);
    }

    void failed(Attempt.Failure failure) {
        errors[failure.ordinal()].increment();
    }

    void bodyFailed() {
        bodyErrors.increment();
    }
}
