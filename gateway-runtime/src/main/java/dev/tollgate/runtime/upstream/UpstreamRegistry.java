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

import static java.util.Objects.requireNonNull;

/**
 * The runtime's {@link Upstreams}: one {@link ServiceUpstream} per configured service, fed by
 * static configuration or a discovery source, probed by active health checks where enabled,
 * and shown on {@code /health} (one non-critical component per service) and {@code /metrics}
 * ({@code tollgate_upstream_*}).
 */
public final class UpstreamRegistry implements Upstreams, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamRegistry.class);

    private final Map<String, ServiceUpstream> services;
    private final HealthRegistry health;
    private final GatewayMetrics metrics;
    private final HealthProber prober;
    private final List<Subscription> watches = new ArrayList<>();

    /**
     * One service as the registry starts it.
     *
     * @param instances static instances; empty when a discovery source will provide them
     * @param source where the instances come from, for messages
     */
    public record Definition(String name, UpstreamSettings settings, List<ServiceInstance> instances, String source) {
        public Definition {
            requireNonNull(name, "name is null");
            requireNonNull(settings, "settings is null");
            instances = List.copyOf(instances);
            requireNonNull(source, "source is null");
        }
    }

    /**
     * Creates the services and starts their health checks.
     *
     * @param scheduler runs the health probes and the retries after their back-off
     * @param blockingExecutor for the rare blocking step of a probe (resolving a host name)
     */
    public UpstreamRegistry(List<Definition> definitions, GatewayMetrics metrics, HealthRegistry health,
                            ScheduledExecutorService scheduler, Executor blockingExecutor) {
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.health = requireNonNull(health, "health is null");
        Map<String, ServiceUpstream> created = new LinkedHashMap<>();
        for (Definition definition : definitions) {
            created.put(definition.name(), new ServiceUpstream(definition.name(), definition.settings(), definition.instances(),
                    definition.source(), metrics, scheduler));
        }
        this.services = Map.copyOf(created);
        boolean probing = definitions.stream().anyMatch(definition -> definition.settings().healthCheck().enabled());
        this.prober = probing ? new HealthProber(scheduler, blockingExecutor) : null;
        for (ServiceUpstream service : created.values()) {
            if (service.settings().healthCheck().enabled()) {
                prober.start(service);
            }
            health.register(healthName(service.name()), () -> report(service));
        }
    }

    @Override
    public Upstream service(String name) {
        ServiceUpstream service = services.get(requireNonNull(name, "name is null"));
        if (service == null) {
            throw new IllegalArgumentException("no service named '" + name + "'" + ConfigKeys.suggestion(name, services.keySet()));
        }
        return service;
    }

    @Override
    public Set<String> serviceNames() {
        return services.keySet();
    }

    /**
     * Lets a discovery source provide a service's instances from now on. The discovery's
     * listener runs with its plugin's class loader.
     */
    public void attach(String serviceName, Discovery discovery, ClassLoader discoveryLoader) {
        ServiceUpstream service = (ServiceUpstream) service(serviceName);
        Subscription subscription = ContextClassLoader.call(discoveryLoader, () -> discovery.watch(serviceName, service::update));
        watches.add(() -> ContextClassLoader.run(discoveryLoader, subscription::close));
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

    /** Stops health checks and discovery watches and removes the services from /health and /metrics. */
    @Override
    public void close() {
        for (Subscription watch : watches) {
            try {
                watch.close();
            }
            catch (RuntimeException e) {
                LOG.warn("Closing a discovery watch failed", e);
            }
        }
        watches.clear();
        if (prober != null) {
            prober.close();
        }
        for (String name : services.keySet()) {
            health.unregister(healthName(name));
        }
        metrics.removeAll(ServiceUpstream.METRICS_PREFIX);
    }
}
