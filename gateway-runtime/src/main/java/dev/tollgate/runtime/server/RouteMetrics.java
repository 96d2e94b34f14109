package dev.tollgate.runtime.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Timer;
import dev.tollgate.runtime.metrics.GatewayMetrics;

import java.util.concurrent.TimeUnit;

/**
 * Request latency per route and status class ({@code tollgate_http_requests{route,status}}),
 * looked up once per route so that recording a request is an array index and a timer update.
 */
public final class RouteMetrics {
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final Timer[] byStatusClass = new Timer[CLASSES.length];
    private final Counter failures;

    public RouteMetrics(GatewayMetrics metrics, String routeId) {
        for (int i = 0; i < CLASSES.length; i++) {
            byStatusClass[i] = metrics.timer("tollgate.http", "request_seconds", "route", routeId, "status", CLASSES[i]);
        }
        failures = metrics.counter("tollgate.http", "aborted", "route", routeId);
    }

    /** A response was sent. */
    public void record(int status, long nanos) {
        int index = status / 100 - 1;
        if (index >= 0 && index < CLASSES.length) {
            byStatusClass[index].update(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The exchange ended without a complete response (client gone, write failed). */
    public void recordFailure(long nanos) {
        failures.inc();
    }
}
