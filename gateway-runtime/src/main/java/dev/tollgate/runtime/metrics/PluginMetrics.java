package dev.tollgate.runtime.metrics;

import dev.tollgate.api.metrics.Metrics;

import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/** A plugin's view of {@link GatewayMetrics}: every name under {@code tollgate.<plugin id>}. */
public final class PluginMetrics implements Metrics {
    private final GatewayMetrics metrics;
    private final String prefix;

    public PluginMetrics(GatewayMetrics metrics, String pluginId) {
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.prefix = "tollgate." + pluginId.replace('-', '_');
    }

    @Override
    public Counter counter(String name, String... labels) {
        com.codahale.metrics.Counter counter = metrics.counter(prefix, name, labels);
        return new Counter() {
            @Override
            public void increment() {
                counter.inc();
            }

            @Override
            public void increment(long amount) {
                counter.inc(amount);
            }

            @Override
            public long count() {
                return counter.getCount();
            }
        };
    }

    @Override
    public Timer timer(String name, String... labels) {
        com.codahale.metrics.Timer timer = metrics.timer(prefix, name, labels);
        return new Timer() {
            @Override
            public void record(long nanos) {
                timer.update(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            }

            @Override
            public long count() {
                return timer.getCount();
            }
        };
    }

    @Override
    public Histogram histogram(String name, String... labels) {
        com.codahale.metrics.Histogram histogram = metrics.histogram(prefix, name, labels);
        return new Histogram() {
            @Override
            public void update(long value) {
                histogram.update(value);
            }

            @Override
            public long count() {
                return histogram.getCount();
            }
        };
    }

    @Override
    public void gauge(String name, Supplier<? extends Number> value, String... labels) {
        metrics.gauge(prefix, name, value, labels);
    }
}
