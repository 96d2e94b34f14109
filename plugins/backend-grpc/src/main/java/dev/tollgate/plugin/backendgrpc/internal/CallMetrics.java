package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.plugin.backendgrpc.internal.schema.SchemaMethod;
import io.grpc.Status;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * The metrics of one service's calls, per method ({@code package.Service/Method}):
 * {@code calls} by gRPC status, {@code call_duration}, and for streams
 * {@code stream_messages_received} (from the instance) and {@code stream_messages_sent} (to it).
 * Channel gauges ({@code channels}, {@code streams_in_use}) are per instance.
 */
final class CallMetrics {
    private final Metrics metrics;
    private final String service;
    private final Map<String, MethodMetrics> byMethod = new ConcurrentHashMap<>();
    private final Map<String, Metrics.Counter> calls = new ConcurrentHashMap<>();

    CallMetrics(Metrics metrics, String service) {
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.service = requireNonNull(service, "service is null");
    }

    MethodMetrics method(SchemaMethod method) {
        MethodMetrics known = byMethod.get(method.fullName());
        return known != null ? known : byMethod.computeIfAbsent(method.fullName(), MethodMetrics::new);
    }

    final class MethodMetrics {
        private final String method;
        private final Metrics.Timer duration;
        private final Metrics.Counter received;
        private final Metrics.Counter sent;

        private MethodMetrics(String method) {
            this.method = method;
            this.duration = metrics.timer("call_duration", "service", service, "method", method);
            this.received = metrics.counter("stream_messages_received", "service", service, "method", method);
            this.sent = metrics.counter("stream_messages_sent", "service", service, "method", method);
        }

        /** A call ended with {@code status} after {@code nanos}. */
        void ended(Status.Code status, long nanos) {
            String key = method + " " + status.name();
            Metrics.Counter counter = calls.get(key);
            if (counter == null) {
                counter = calls.computeIfAbsent(key, ignored -> metrics.counter("calls", "service", service, "method", method,
                        "status", status.name()));
            }
            counter.increment();
            duration.record(nanos);
        }

        void messageReceived() {
            received.increment();
        }

        void messageSent() {
            sent.increment();
        }
    }
}
