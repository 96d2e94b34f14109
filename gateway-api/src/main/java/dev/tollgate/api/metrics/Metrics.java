package dev.tollgate.api.metrics;

import java.util.function.Supplier;

/**
 * Creates a plugin's metrics, exported on {@code /metrics} in Prometheus' text format as
 * {@code tollgate_<plugin id>_<name>} with the given labels.
 *
 * <p>Names are lower-case words separated by underscores ({@code messages_delivered}).
 * Labels are given as name/value pairs ({@code "service", "orders", "outcome", "ok"}); keep
 * their values few (a service, a status class), never per user or per request. The same name
 * and labels always return the same metric, so callers may look metrics up once and keep them.
 *
 * <p>Thread-safe; updating a metric is cheap and never blocks.
 */
public interface Metrics {

    Counter counter(String name, String... labels);

    /** Records durations; exported as a summary in seconds with quantiles. */
    Timer timer(String name, String... labels);

    /** Records value distributions (sizes, counts); exported as a summary with quantiles. */
    Histogram histogram(String name, String... labels);

    /** A value read when metrics are scraped; must be cheap. Registering the same name again replaces it. */
    void gauge(String name, Supplier<? extends Number> value, String... labels);

    /** A monotonically increasing count. */
    interface Counter {
        void increment();

        void increment(long amount);

        long count();
    }

    /** A distribution of durations. */
    interface Timer {
        void record(long nanos);

        long count();
    }

    /** A distribution of values. */
    interface Histogram {
        void update(long value);

        long count();
    }
}
