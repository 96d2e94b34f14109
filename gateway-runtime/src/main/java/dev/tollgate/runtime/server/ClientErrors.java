package dev.tollgate.runtime.server;

import com.codahale.metrics.Counter;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * Protocol errors made by clients — malformed requests, frames on closed streams, broken
 * HTTP/2 connections, request bodies cut off — which are the client's business, not the
 * gateway's: each is counted in {@code tollgate_server_client_errors_total{reason}} and logged at
 * DEBUG (with its cause) by this class's logger; at INFO there is at most one summary a minute.
 * A client sending garbage can therefore neither fill the disk nor bury real errors.
 *
 * <p>Thread-safe; recording is a counter increment and a clock read.
 */
public final class ClientErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ClientErrors.class);
    private static final long SUMMARY_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** What the client did wrong; the {@code reason} label. */
    public enum Reason {
        /** A request the gateway could not accept as sent (HTTP/1.1 parse errors, malformed HTTP/2 header blocks). */
        MALFORMED_REQUEST,
        /** HTTP/2 DATA on a stream the client had already closed. */
        STREAM_CLOSED,
        /** An HTTP/2 connection error (bad frames, flow-control violations, floods); the connection was closed. */
        CONNECTION_ERROR,
        /** A request body the client stopped sending: it reset the stream or broke the connection. */
        ABORTED_BODY;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);
    private final AtomicLong sinceSummary = new AtomicLong();
    /** When the last summary was logged; the first error logs one at once. */
    private final AtomicLong lastSummaryNanos = new AtomicLong(System.nanoTime() - SUMMARY_INTERVAL_NANOS);

    public ClientErrors(GatewayMetrics metrics) {
        requireNonNull(metrics, "metrics is null");
        for (Reason reason : Reason.values()) {
            counters.put(reason, metrics.counter("tollgate.server", "client_errors", "reason", reason.label()));
        }
    }

    /**
     * Records one error.
     *
     * @param client who made it: a remote address, a connection, a request id
     * @param detail what was wrong, for the DEBUG line
     * @param cause the exception that reported it, or {@code null}
     */
    public void record(Reason reason, Object client, String detail, Throwable cause) {
        counters.get(reason).inc();
        if (LOG.isDebugEnabled()) {
            LOG.debug("Client protocol error ({}) from {}: {}", reason.label(), client, detail, cause);
        }
        long count = sinceSummary.incrementAndGet();
        long now = System.nanoTime();
        long last = lastSummaryNanos.get();
        if (now - last >= SUMMARY_INTERVAL_NANOS && lastSummaryNanos.compareAndSet(last, now)) {
            sinceSummary.addAndGet(-count);
            LOG.info("{} client protocol error(s) since the last such note (one a minute at most); the latest, {} from {}: {}. "
                    + "Counted in tollgate_server_client_errors_total; DEBUG on {} logs each", count, reason.label(), client, detail,
                    ClientErrors.class.getName());
        }
    }
}
