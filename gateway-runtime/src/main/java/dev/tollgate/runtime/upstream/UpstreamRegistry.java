package dev.tollgate.runtime.upstream;

import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.upstream.Discovery;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.Upstream;
import dev.tollgate.api.upstream.Upstreams;
import dev.tollgate.runtime.config.ConfigKeys;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import dev.tollgate.runtime.plugin.ContextClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;

import static java.util.Objects.requireNonNull;

/**
 * The runtime's services across configuration generations: one {@link ServiceUpstream} per
 * configured service, fed by static configuration or a discovery source, probed by active health
 * checks where enabled, and shown on {@code /health} (one non-critical component per service) and
 * {@code /metrics} ({@code tollgate_upstream_*}).
 *
 * <p>A generation {@link #acquire acquires} each of its services and releases them when it is
 * retired. A service whose settings and instance source are unchanged is the same object in the
 * next generation — its instances' health, ejections, circuit states, latency estimates and
 * in-flight counts survive a reload, and a changed static instance list is applied to it in place,
 * like a discovery update. A service whose settings changed is created anew; the old one serves
 * the old generation's exchanges until that generation is released. Each generation sees its
 * services through {@link #view}.
 *
 * <p>Thread-safe.
 */
public final class UpstreamRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamRegistry.class);

    private final Map<String, Entry> current = new LinkedHashMap<>();
    private final HealthRegistry health;
    private final GatewayMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private HealthProber prober;

    /**
     * One service as a generation defines it.
     *
     * @param instances static instances; empty when a discovery source provides them
     * @param source where the instances come from, for messages
     * @param sourceIdentity the discovery component feeding the service (a new one means a new
     *        service), or null for static instances
     */
    public record Definition(String name, UpstreamSettings settings, List<ServiceInstance> instances, String source,
                             Object sourceIdentity) {
        public Definition {
            requireNonNull(name, "name is null");
            requireNonNull(settings, "settings is null");
            instances = List.copyOf(instances);
            requireNonNull(source, "source is null");
        }
    }

    /**
     * @param scheduler runs the health probes and the retries after their back-off
     * @param blockingExecutor for the rare blocking step of a probe (resolving a host name)
     */
    public UpstreamRegistry(GatewayMetrics metrics, HealthRegistry health, ScheduledExecutorService scheduler, Executor blockingExecutor) {
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.health = requireNonNull(health, "health is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.blockingExecutor = requireNonNull(blockingExecutor, "blockingExecutor is null");
    }

    /**
     * The service a generation uses for {@code definition}, held until {@link Lease#release()}: the
     * live one when its settings and source are unchanged (static instances brought up to date),
     * otherwise a new one, started (health checks) and shown on {@code /health}.
     */
    public synchronized Lease acquire(Definition definition) {
        Entry entry = current.get(definition.name());
        if (entry != null && entry.settings.equals(definition.settings()) && entry.sourceIdentity == definition.sourceIdentity()
                && !entry.released) {
            if (definition.sourceIdentity() == null) {
                entry.service.update(definition.instances());
            }
            entry.holders++;
            return new Lease(entry, false);
        }
        ServiceUpstream service = new ServiceUpstream(definition.name(), definition.settings(), definition.instances(),
                definition.source(), metrics, scheduler);
        Entry created = new Entry(service, definition.settings(), definition.sourceIdentity());
        if (definition.settings().healthCheck().enabled()) {
            if (prober == null) {
                prober = new HealthProber(scheduler, blockingExecutor);
            }
            created.probing = prober.start(service);
        }
        created.healthIndicator = () -> report(service);
        health.register(healthName(service.name()), created.healthIndicator);
        current.put(definition.name(), created);
        created.holders = 1;
        return new Lease(created, true);
    }

    /** The services of one generation as plugins see them. */
    public static Upstreams view(Map<String, ServiceUpstream> services) {
        Map<String, ServiceUpstream> copy = Map.copyOf(services);
        return new Upstreams() {
            @Override
            public Upstream service(String name) {
                ServiceUpstream service = copy.get(requireNonNull(name, "name is null"));
                if (service == null) {
                    throw new IllegalArgumentException("no service named '" + name + "'" + ConfigKeys.suggestion(name, copy.keySet()));
                }
                return service;
            }

            @Override
            public Set<String> serviceNames() {
                return copy.keySet();
            }
        };
    }

    private synchronized void release(Entry entry) {
        if (--entry.holders > 0) {
            return;
        }
        entry.released = true;
        if (entry.probing != null) {
            entry.probing.cancel(false);
        }
        for (Subscription watch : entry.watches) {
            try {
                watch.close();
            }
            catch (RuntimeException e) {
                LOG.warn("Closing the discovery watch of service {} failed", entry.service.name(), e);
            }
        }
        health.unregister(healthName(entry.service.name()), entry.healthIndicator);
        if (current.get(entry.service.name()) == entry) {
            current.remove(entry.service.name());
            metrics.removeSeries(ServiceUpstream.METRICS_PREFIX, entry.service.name());
        }
    }

    /** A generation's hold on one service. */
    public final class Lease {
        private final Entry entry;
        private final boolean created;
        private boolean released;

        private Lease(Entry entry, boolean created) {
            this.entry = entry;
            this.created = created;
        }

        public ServiceUpstream service() {
            return entry.service;
        }

        /** Whether this acquisition created the service (a discovery source must then be attached). */
        public boolean isNew() {
            return created;
        }

        /**
         * Lets a discovery source provide the service's instances from now on, until the service is
         * closed. The discovery's listener runs with its plugin's class loader.
         */
        public void attach(Discovery discovery, ClassLoader discoveryLoader) {
            ServiceUpstream service = entry.service;
            Subscription subscription = ContextClassLoader.call(discoveryLoader, () -> discovery.watch(service.name(), service::update));
            synchronized (UpstreamRegistry.this) {
                entry.watches.add(() -> ContextClassLoader.run(discoveryLoader, subscription::close));
            }
        }

        /** Releases the hold; the last one stops the service. Idempotent. */
        public void release() {
            if (!released) {
                released = true;
                UpstreamRegistry.this.release(entry);
            }
        }
    }

    /** A live service and who holds it. Guarded by the registry. */
    private static final class Entry {
        private final ServiceUpstream service;
        private final UpstreamSettings settings;
        private final Object sourceIdentity;
        private final List<Subscription> watches = new ArrayList<>();
        private ScheduledFuture<?> probing;
        private dev.tollgate.api.health.HealthIndicator healthIndicator;
        private int holders;
        private boolean released;

        Entry(ServiceUpstream service, UpstreamSettings settings, Object sourceIdentity) {
            this.service = service;
            this.settings = settings;
            this.sourceIdentity = sourceIdentity;
        }
    }

    private static Health report(ServiceUpstream service) {
        long now = System.nanoTime();
        Map<String, Object> members = new LinkedHashMap<>();
        int available = 0;
        for (InstanceState member : service.members()) {
            String condition = member.condition(now);
            if (member.isAvailable(now)) {
                available++;
            }
            members.put(member.id(), Map.of(
                    "address", member.instance().address().toString(),
                    "state", condition,
                    "circuit", member.breaker().state().name().toLowerCase(Locale.ROOT),
                    "inFlight", member.inFlight()));
        }
        int total = service.members().size();
        Map<String, Object> details = Map.of(
                "instances", total,
                "available", available,
                "policy", service.settings().loadBalancing().policy().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                "members", members);
        Health.Status status = available == total && total > 0 ? Health.Status.UP
                : available > 0 ? Health.Status.DEGRADED : Health.Status.DOWN;
        return new Health(status, details);
    }

    private static String healthName(String service) {
        return "upstream." + service;
    }

    /** Stops the health prober (the gateway stops; generations have released their services). */
    @Override
    public synchronized void close() {
        if (prober != null) {
            prober.close();
            prober = null;
        }
    }
}
