package dev.tollgate.runtime.upstream;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Timer;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.RetryPolicy;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.TlsSettings;
import dev.tollgate.api.upstream.Upstream;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * One service of the registry: its members (an immutable snapshot, swapped on every discovery
 * update together with the load balancer's picker), the choice of an instance per attempt, the
 * bookkeeping of each attempt's outcome (latency, passive health, circuit breaker, metrics), and
 * the retry loop of {@link #execute} ({@link RetryLoop}).
 */
public final class ServiceUpstream implements Upstream {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceUpstream.class);
    static final String METRICS_PREFIX = "tollgate.upstream";

    /** Attempt outcomes as exported on /metrics. */
    enum AttemptOutcome {
        SUCCESS, FAILURE_STATUS, FAILED_ANSWER, CONNECT, REFUSED, RESET, TIMEOUT, CANCELLED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static AttemptOutcome of(Attempt.Failure failure) {
            return switch (failure) {
                case CONNECT -> CONNECT;
                case REFUSED -> REFUSED;
                case RESET -> RESET;
                case TIMEOUT -> TIMEOUT;
                case CANCELLED -> CANCELLED;
            };
        }
    }

    private final String name;
    private final UpstreamSettings settings;
    private final String source;
    private final LoadBalancer balancer;
    private final ServiceRetryPolicy retryPolicy;
    private final Map<AttemptOutcome, Counter> outcomes = new EnumMap<>(AttemptOutcome.class);
    private final Timer latency;
    private final Counter ejections;
    private final List<Consumer<List<ServiceInstance>>> watchers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler;
    private volatile Snapshot snapshot;

    /** Members and the picker built for them, replaced together. */
    private record Snapshot(List<InstanceState> members, List<ServiceInstance> instances, LoadBalancer.Picker picker) {
    }

    /**
     * @param source where the instances come from, for messages: "configuration" or a discovery name
     * @param scheduler runs retries after their back-off
     */
    ServiceUpstream(String name, UpstreamSettings settings, List<ServiceInstance> instances, String source, GatewayMetrics metrics,
                    ScheduledExecutorService scheduler) {
        this.name = requireNonNull(name, "name is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.source = requireNonNull(source, "source is null");
        this.balancer = LoadBalancer.of(settings.loadBalancing());
        this.retryPolicy = new ServiceRetryPolicy(settings.retries(),
                metrics.counter(METRICS_PREFIX, "retries", "service", name, "outcome", "allowed"),
                metrics.counter(METRICS_PREFIX, "retries", "service", name, "outcome", "budget_exhausted"));
        for (AttemptOutcome outcome : AttemptOutcome.values()) {
            outcomes.put(outcome, metrics.counter(METRICS_PREFIX, "attempts", "service", name, "outcome", outcome.label()));
        }
        this.latency = metrics.timer(METRICS_PREFIX, "latency", "service", name);
        this.ejections = metrics.counter(METRICS_PREFIX, "ejections", "service", name);
        this.snapshot = snapshotOf(build(instances, Map.of()));
        metrics.gauge(METRICS_PREFIX, "instances", () -> snapshot.members().size(), "service", name);
        metrics.gauge(METRICS_PREFIX, "available_instances", this::availableCount, "service", name);
        metrics.gauge(METRICS_PREFIX, "in_flight", this::inFlight, "service", name);
        for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
            metrics.gauge(METRICS_PREFIX, "circuits", () -> countCircuits(state), "service", name,
                    "state", state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ServiceInstance> instances() {
        return snapshot.instances();
    }

    @Override
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    @Override
    public TlsSettings tls() {
        return settings.tls();
    }

    /** Runs the exchange's attempts in a {@link RetryLoop}. */
    @Override
    public <T> CompletionStage<T> execute(Exchange exchange, Execution<T> execution) {
        return new RetryLoop<>(this, exchange, execution, scheduler).start();
    }

    UpstreamSettings settings() {
        return settings;
    }

    List<InstanceState> members() {
        return snapshot.members();
    }

    @Override
    public Attempt choose(Exchange exchange, Set<String> excluded) {
        requireNonNull(exchange, "exchange is null");
        requireNonNull(excluded, "excluded is null");
        if (excluded.isEmpty()) {
            retryPolicy.recordRequest();
        }
        Snapshot current = snapshot;
        long now = System.nanoTime();
        Set<String> refused = null;
        for (int round = 0; round <= current.members().size(); round++) {
            Set<String> skip = refused;
            InstanceState chosen = current.picker().pick(exchange,
                    state -> !excluded.contains(state.id()) && (skip == null || !skip.contains(state.id())) && state.isAvailable(now));
            if (chosen == null && !excluded.isEmpty()) {
                chosen = current.picker().pick(exchange, state -> (skip == null || !skip.contains(state.id())) && state.isAvailable(now));
            }
            if (chosen == null) {
                if (settings.loadBalancing().panicWhenAllUnavailable() && !current.members().isEmpty()) {
                    chosen = current.picker().pick(exchange, state -> true);
                    return new UpstreamAttempt(chosen, now);
                }
                throw unavailable(current, now);
            }
            if (chosen.breaker().tryAcquire(now)) {
                return new UpstreamAttempt(chosen, now);
            }
            // Another exchange took the last half-open probe slot in the meantime.
            if (refused == null) {
                refused = new HashSet<>();
            }
            refused.add(chosen.id());
        }
        throw unavailable(current, now);
    }

    private GatewayException unavailable(Snapshot current, long now) {
        if (current.members().isEmpty()) {
            return new GatewayException(ErrorCode.UNAVAILABLE, "service '" + name + "' has no instances (from " + source + ")");
        }
        Map<String, Integer> conditions = new TreeMap<>();
        for (InstanceState member : current.members()) {
            conditions.merge(member.condition(now), 1, Integer::sum);
        }
        StringBuilder summary = new StringBuilder();
        conditions.forEach((condition, count) -> summary.append(summary.length() == 0 ? "" : ", ").append(count).append(' ').append(condition));
        return new GatewayException(ErrorCode.UNAVAILABLE, "no available instance of service '" + name + "' ("
                + current.members().size() + " instances: " + summary + ")");
    }

    @Override
    public Subscription watch(Consumer<List<ServiceInstance>> listener) {
        requireNonNull(listener, "listener is null");
        watchers.add(listener);
        return () -> watchers.remove(listener);
    }

    /** Replaces the instances (a discovery update), keeping the state of instances that stay. */
    void update(List<ServiceInstance> instances) {
        requireNonNull(instances, "instances is null");
        List<ServiceInstance> notified;
        synchronized (this) {
            Snapshot current = snapshot;
            if (current.instances().equals(instances)) {
                return;
            }
            Map<String, InstanceState> existing = new HashMap<>();
            for (InstanceState member : current.members()) {
                existing.put(member.id(), member);
            }
            Snapshot next = snapshotOf(build(instances, existing));
            snapshot = next;
            notified = next.instances();
            LOG.info("Service {}: {} instances from {}: {}", name, notified.size(), source,
                    notified.stream().map(instance -> instance.id() + "=" + instance.address()).toList());
        }
        for (Consumer<List<ServiceInstance>> watcher : watchers) {
            try {
                watcher.accept(notified);
            }
            catch (RuntimeException e) {
                LOG.error("Service {}: an instance watcher failed", name, e);
            }
        }
    }

    private List<InstanceState> build(List<ServiceInstance> instances, Map<String, InstanceState> existing) {
        Map<String, InstanceState> members = new LinkedHashMap<>();
        for (ServiceInstance instance : instances) {
            InstanceState kept = existing.get(instance.id());
            members.putIfAbsent(instance.id(), kept != null && kept.instance().equals(instance) ? kept : new InstanceState(instance, settings));
        }
        return List.copyOf(members.values());
    }

    private Snapshot snapshotOf(List<InstanceState> members) {
        List<ServiceInstance> instances = new ArrayList<>(members.size());
        members.forEach(member -> instances.add(member.instance()));
        return new Snapshot(members, List.copyOf(instances), balancer.picker(members));
    }

    int availableCount() {
        long now = System.nanoTime();
        int count = 0;
        for (InstanceState member : snapshot.members()) {
            if (member.isAvailable(now)) {
                count++;
            }
        }
        return count;
    }

    private int inFlight() {
        int count = 0;
        for (InstanceState member : snapshot.members()) {
            count += member.inFlight();
        }
        return count;
    }

    private int countCircuits(CircuitBreaker.State state) {
        int count = 0;
        for (InstanceState member : snapshot.members()) {
            if (member.breaker().state() == state) {
                count++;
            }
        }
        return count;
    }

    private void recordFailure(InstanceState state, long now, AttemptOutcome outcome) {
        outcomes.get(outcome).inc();
        if (!state.recordFailure(now, settings.passiveHealth())) {
            return;
        }
        List<InstanceState> members = snapshot.members();
        int ejected = 0;
        for (InstanceState member : members) {
            if (member.isEjected(now)) {
                ejected++;
            }
        }
        if ((ejected + 1) * 100L > (long) settings.passiveHealth().maxEjectedPercent() * members.size()) {
            LOG.warn("Service {}: instance {} failed {} times in a row but is not ejected: {} of {} instances are ejected already "
                    + "(max-ejected-percent {})", name, state.id(), settings.passiveHealth().consecutiveFailures(), ejected,
                    members.size(), settings.passiveHealth().maxEjectedPercent());
            return;
        }
        long duration = state.eject(now, settings.passiveHealth());
        ejections.inc();
        LOG.warn("Service {}: ejected instance {} for {} after {} failed attempts in a row ({})", name, state.id(),
                Duration.ofNanos(duration), settings.passiveHealth().consecutiveFailures(), outcome.label());
    }

    /** One attempt: reports once, closes once. */
    private final class UpstreamAttempt implements Attempt {
        private static final AtomicIntegerFieldUpdater<UpstreamAttempt> REPORTED =
                AtomicIntegerFieldUpdater.newUpdater(UpstreamAttempt.class, "reported");
        private static final AtomicIntegerFieldUpdater<UpstreamAttempt> CLOSED =
                AtomicIntegerFieldUpdater.newUpdater(UpstreamAttempt.class, "closed");

        private final InstanceState state;
        private final long startNanos;
        private volatile int reported;
        private volatile int closed;

        UpstreamAttempt(InstanceState state, long startNanos) {
            this.state = state;
            this.startNanos = startNanos;
            state.attemptStarted();
        }

        @Override
        public ServiceInstance instance() {
            return state.instance();
        }

        @Override
        public void responded(int status) {
            recordAnswer(settings.failureStatuses().contains(status) ? AttemptOutcome.FAILURE_STATUS : null);
        }

        @Override
        public void answered(boolean failed) {
            recordAnswer(failed ? AttemptOutcome.FAILED_ANSWER : null);
        }

        /** An answer came: a latency sample, and a success or (with {@code failure}) a failed attempt. */
        private void recordAnswer(AttemptOutcome failure) {
            if (!REPORTED.compareAndSet(this, 0, 1)) {
                return;
            }
            long now = System.nanoTime();
            long elapsed = now - startNanos;
            state.recordLatency(elapsed);
            latency.update(elapsed, TimeUnit.NANOSECONDS);
            if (failure != null) {
                recordFailure(state, now, failure);
            }
            else {
                outcomes.get(AttemptOutcome.SUCCESS).inc();
                state.recordSuccess(now);
            }
        }

        @Override
        public void failed(Failure failure) {
            requireNonNull(failure, "failure is null");
            if (!REPORTED.compareAndSet(this, 0, 1)) {
                return;
            }
            if (failure == Failure.CANCELLED) {
                outcomes.get(AttemptOutcome.CANCELLED).inc();
                state.breaker().recordNeutral();
                return;
            }
            recordFailure(state, System.nanoTime(), AttemptOutcome.of(failure));
        }

        @Override
        public void close() {
            if (CLOSED.compareAndSet(this, 0, 1)) {
                failed(Failure.CANCELLED);
                state.attemptEnded();
            }
        }

        @Override
        public String toString() {
            return "Attempt[" + name + "/" + state.id() + "]";
        }
    }
}
