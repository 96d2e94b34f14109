package dev.tollgate.runtime.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The gateway's metrics: one Dropwizard {@link MetricRegistry}, exported in Prometheus' text
 * format by Prometheus' own Dropwizard exporter.
 *
 * <p>Dropwizard has no labels, so a labelled metric is registered under its family name
 * followed by its label values ({@code tollgate.http.requests.orders.2xx}) and the family gets
 * a {@link MapperConfig} that turns those name parts back into labels on export. Label values
 * therefore must not contain dots; they are replaced by underscores.
 */
public final class GatewayMetrics {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private final MetricRegistry registry = new MetricRegistry();
    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    public GatewayMetrics() {
        registry.registerAll("jvm.memory", new MemoryUsageGaugeSet());
        registry.registerAll("jvm.gc", new GarbageCollectorMetricSet());
        registry.registerAll("jvm.threads", new ThreadStatesGaugeSet());
    }

    /** The registry, for code that needs Dropwizard types directly (Jetty's thread pool gauges). */
    public MetricRegistry registry() {
        return registry;
    }

    /**
     * A counter of family {@code prefix.name} with labels.
     *
     * @param labels label names and values, alternating
     */
    public Counter counter(String prefix, String name, String... labels) {
        return registry.counter(register(prefix, name, labels));
    }

    /** A timer; its reservoir is lock-free, since timers are updated on the request path. */
    public Timer timer(String prefix, String name, String... labels) {
        return registry.timer(register(prefix, name, labels), () -> new Timer(LockFreeExponentiallyDecayingReservoir.builder().build()));
    }

    /** A histogram with a lock-free reservoir. */
    public Histogram histogram(String prefix, String name, String... labels) {
        return registry.histogram(register(prefix, name, labels), () -> new Histogram(LockFreeExponentiallyDecayingReservoir.builder().build()));
    }

    /** Registers (or replaces) a gauge. */
    public void gauge(String prefix, String name, Supplier<? extends Number> value, String... labels) {
        String metricName = register(prefix, name, labels);
        registry.remove(metricName);
        registry.register(metricName, (Gauge<Number>) value::get);
    }

    /**
     * Removes every series under {@code prefix} whose first label has {@code value}: the metrics of
     * one service once it is gone from the configuration.
     */
    public void removeSeries(String prefix, String value) {
        String label = "." + labelValue(value);
        for (Family family : families.values()) {
            if (family.name().startsWith(prefix + ".") && !family.labelNames().isEmpty()) {
                String series = family.name() + label;
                registry.removeMatching((metricName, metric) -> metricName.equals(series) || metricName.startsWith(series + "."));
            }
        }
    }

    /** Removes every metric whose Dropwizard name starts with {@code prefix.} (a closed component's). */
    public void removeAll(String prefix) {
        registry.removeMatching((metricName, metric) -> metricName.startsWith(prefix + "."));
    }

    /** Renders every metric in Prometheus' text exposition format. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, collect());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The content type of {@link #scrape()}. */
    public String contentType() {
        return writer.getContentType();
    }

    private String register(String prefix, String name, String... labels) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric names are lower-case words with underscores, got '" + name + "'");
        }
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs, got " + labels.length + " strings for " + name);
        }
        String family = prefix + "." + name;
        List<String> labelNames = new ArrayList<>(labels.length / 2);
        StringBuilder metricName = new StringBuilder(family);
        for (int i = 0; i < labels.length; i += 2) {
            if (!NAME.matcher(labels[i]).matches()) {
                throw new IllegalArgumentException("label names are lower-case words with underscores, got '" + labels[i] + "'");
            }
            labelNames.add(labels[i]);
            metricName.append('.').append(labelValue(labels[i + 1]));
        }
        Family existing = families.putIfAbsent(family, new Family(family, List.copyOf(labelNames)));
        if (existing != null && !existing.labelNames().equals(labelNames)) {
            throw new IllegalArgumentException("metric " + family + " has labels " + existing.labelNames() + ", not " + labelNames);
        }
        return metricName.toString();
    }

    private static String labelValue(String value) {
        if (value == null || value.isEmpty()) {
            return "none";
        }
        return value.replace('.', '_').replace('*', '_');
    }

    /**
     * Converts the registry with Prometheus' Dropwizard exporter. That exporter produces one
     * snapshot per Dropwizard metric and refuses two with the same name (client_java #1712), so
     * each labelled series is converted on its own, with its family's label mapping, and the
     * series of a family are merged into one snapshot afterwards.
     */
    MetricSnapshots collect() {
        Map<String, MapperConfig> mappers = new LinkedHashMap<>();
        for (Family family : families.values()) {
            if (!family.labelNames().isEmpty()) {
                mappers.put(family.name(), family.mapper());
            }
        }
        List<MetricSnapshot> snapshots = new ArrayList<>();
        MetricFilter unlabelled = (metricName, metric) -> familyOf(metricName, mappers) == null;
        new DropwizardExports(registry, unlabelled).collect().forEach(snapshots::add);
        // Each series alone in a registry of its own: the exporter walks its whole registry per
        // collect, so filtering the gateway's one series at a time made a scrape quadratic in the
        // series count (5 s for 1 000 routes, 20 s for 2 000).
        Map<String, Metric> metrics = registry.getMetrics();
        Map<String, CustomLabelMapper> labelMappers = new HashMap<>();
        MetricRegistry single = new MetricRegistry();
        for (String metricName : registry.getNames()) {
            String family = familyOf(metricName, mappers);
            Metric metric = metrics.get(metricName);
            if (family != null && metric != null) {
                CustomLabelMapper mapper = labelMappers.computeIfAbsent(family, name -> new CustomLabelMapper(List.of(mappers.get(name))));
                single.register(metricName, metric);
                try {
                    new DropwizardExports(single, MetricFilter.ALL, mapper).collect().forEach(snapshots::add);
                }
                finally {
                    single.remove(metricName);
                }
            }
        }
        Map<String, List<MetricSnapshot>> byName = new LinkedHashMap<>();
        for (MetricSnapshot snapshot : snapshots) {
            byName.computeIfAbsent(snapshot.getMetadata().getPrometheusName(), key -> new ArrayList<>()).add(snapshot);
        }
        List<MetricSnapshot> merged = new ArrayList<>(byName.size());
        for (List<MetricSnapshot> group : byName.values()) {
            merged.add(group.size() == 1 ? group.get(0) : merge(group));
        }
        return new MetricSnapshots(merged);
    }

    /** The labelled family a Dropwizard name belongs to: the family name plus exactly its label values. */
    private String familyOf(String metricName, Map<String, MapperConfig> mappers) {
        for (Family family : families.values()) {
            if (mappers.containsKey(family.name()) && metricName.startsWith(family.name() + ".")
                    && metricName.substring(family.name().length() + 1).split("\\.", -1).length == family.labelNames().size()) {
                return family.name();
            }
        }
        return null;
    }

    private static MetricSnapshot merge(List<MetricSnapshot> group) {
        MetricSnapshot first = group.get(0);
        if (first instanceof SummarySnapshot) {
            List<SummarySnapshot.SummaryDataPointSnapshot> points = new ArrayList<>();
            group.forEach(snapshot -> points.addAll(((SummarySnapshot) snapshot).getDataPoints()));
            return new SummarySnapshot(first.getMetadata(), points);
        }
        if (first instanceof CounterSnapshot) {
            List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>();
            group.forEach(snapshot -> points.addAll(((CounterSnapshot) snapshot).getDataPoints()));
            return new CounterSnapshot(first.getMetadata(), points);
        }
        if (first instanceof GaugeSnapshot) {
            List<GaugeSnapshot.GaugeDataPointSnapshot> points = new ArrayList<>();
            group.forEach(snapshot -> points.addAll(((GaugeSnapshot) snapshot).getDataPoints()));
            return new GaugeSnapshot(first.getMetadata(), points);
        }
        throw new IllegalStateException("cannot merge metric snapshots of type " + first.getClass().getSimpleName());
    }

    private record Family(String name, List<String> labelNames) {
        MapperConfig mapper() {
            Map<String, String> labels = new LinkedHashMap<>();
            StringBuilder match = new StringBuilder(name);
            for (int i = 0; i < labelNames.size(); i++) {
                match.append(".*");
                labels.put(labelNames.get(i), "${" + i + "}");
            }
            return new MapperConfig(match.toString(), name.replace('.', '_').replace('-', '_'), labels);
        }
    }
}
