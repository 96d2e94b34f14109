package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.upstream.Discovery;
import dev.tollgate.api.upstream.DiscoveryFactory;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.plugin.discoveryredis.internal.DiscoverySettings;
import dev.tollgate.plugin.discoveryredis.internal.Failures;
import dev.tollgate.plugin.discoveryredis.internal.InstanceJson;
import dev.tollgate.plugin.discoveryredis.internal.RegistryKeys;
import dev.tollgate.plugin.discoveryredis.internal.RedissonConfigs;
import dev.tollgate.plugin.discoveryredis.internal.RegistryScripts;
import dev.tollgate.plugin.discoveryredis.internal.SerialExecutor;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Service instances from a Redis registry (the protocol is in the module's README): a service
 * configured with {@code discovery = redis} gets the instances registered under its name.
 *
 * <p>For each watched service the discovery subscribes to the service's changes channel, reads
 * the live instances at once and after every message on it, and also every
 * {@code refresh-interval} to notice registrations that expired. Each read is one Lua script
 * that also removes expired entries. A listener receives the complete list (sorted by id) after
 * the first successful read and then only when the list changed. An entry whose description is
 * missing or malformed is skipped, with one warning naming the service and the instance.
 *
 * <p>When Redis cannot be reached the listeners keep the last list they received (they never
 * receive an empty list because of an outage); reads are retried from {@code refresh-interval}
 * doubling up to {@code max-retry-interval}, Redisson reconnects and re-subscribes, and the
 * health indicator ({@code discovery}) reports {@code DEGRADED} (or {@code DOWN} once the last
 * successful read is older than {@code instance-ttl}, or when no read ever succeeded) with the
 * time since the last successful read.
 *
 * <p>Threading: {@link #watch} and {@link Subscription#close()} return at once. All state changes
 * and every listener call run one at a time on the discovery's own serial lane over the plugin
 * context's scheduler; Redisson's threads only hand results to it. Listeners must not block.
 */
public final class RedisDiscovery implements Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(RedisDiscovery.class);
    private static final Comparator<ServiceInstance> BY_ID = Comparator.comparing(ServiceInstance::id);

    private final DiscoverySettings settings;
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private final Clock clock;
    private final Metrics metrics;
    private final SerialExecutor serial;
    private final Map<String, Integer> instanceCounts = new ConcurrentHashMap<>();
    private final Set<RedisServiceRegistration> registrations = ConcurrentHashMap.newKeySet();
    private volatile ReadState readState;
    private volatile int watchedServices;

    /** Guards the hand-over of the client between its creation, {@link #register} and {@link #close()}. */
    private final Object lifecycle = new Object();
    /** Completed once, when the client first connected; failed only by {@link #close()} before that. */
    private final CompletableFuture<RedissonClient> client = new CompletableFuture<>();
    private volatile boolean closed;

    // Touched only on the serial lane.
    private final Map<String, WatchedService> services = new HashMap<>();
    private ScheduledFuture<?> nextRound;
    private int failedRounds;

    /**
     * Registers the health indicator and metrics and starts the rounds; the first one creates
     * the Redisson client on the context's blocking executor (creating it connects, and
     * blocks), so this returns at once, also while Redis is down.
     */
    RedisDiscovery(DiscoverySettings settings, PluginContext context) {
        this.settings = requireNonNull(settings, "settings is null");
        requireNonNull(context, "context is null");
        this.scheduler = context.scheduler();
        this.blockingExecutor = context.blockingExecutor();
        this.clock = context.clock();
        this.metrics = context.metrics();
        this.serial = new SerialExecutor(scheduler);
        this.readState = ReadState.INITIAL;
        context.registerHealth("discovery", this::health);
        metrics.gauge("seconds_since_last_refresh", () -> {
            Instant last = readState.lastSuccess();
            return last == null ? Double.NaN : Duration.between(last, clock.instant()).toMillis() / 1000.0;
        });
        serial.execute(this::round);
    }

    /** Creates the {@code redis} discovery from {@code tollgate.discovery.redis}. */
    public static final class Factory implements DiscoveryFactory {
        @Override
        public String name() {
            return "redis";
        }

        @Override
        public Set<String> sensitiveKeys() {
            return Set.of("password");
        }

        /** Validates every setting (a bad one fails with its key) and starts the discovery. */
        @Override
        public Discovery create(PluginConfig config, PluginContext context) {
            return new RedisDiscovery(DiscoverySettings.read(config, context), context);
        }
    }

    /**
     * Watches {@code service}. The listener's first call comes after the first successful read
     * (at once when the service is already watched and its list known); later calls only when
     * the list changed.
     *
     * @throws IllegalArgumentException when the service name contains a brace (it is used as a Redis hash tag)
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public Subscription watch(String service, Consumer<List<ServiceInstance>> listener) {
        requireNonNull(service, "service is null");
        requireNonNull(listener, "listener is null");
        RegistryKeys keys = settings.keys(service);
        if (closed) {
            throw new IllegalStateException("the redis discovery is closed");
        }
        Watcher watcher = new Watcher(service, listener);
        serial.execute(() -> {
            if (closed || watcher.closed.get()) {
                return;
            }
            WatchedService watched = services.get(service);
            if (watched == null) {
                watched = new WatchedService(service, keys);
                services.put(service, watched);
                watchedServices = services.size();
                watched.watchers.add(watcher);
                metrics.gauge("instances", () -> instanceCounts.getOrDefault(service, 0), "service", service);
                if (redisson() != null) {
                    refresh(watched);
                }
            }
            else {
                watched.watchers.add(watcher);
                if (watched.current != null) {
                    deliver(watched, watcher, watched.current);
                }
            }
        });
        return watcher;
    }

    /**
     * Registers {@code instance} of {@code service} through this discovery's connection, with
     * the configured {@code key-prefix}, {@code instance-ttl} and {@code heartbeat-interval},
     * heartbeats on the plugin context's scheduler. Close the registration to deregister; closing
     * the discovery stops the heartbeats of registrations still open (their entries then expire).
     *
     * @return completes with the started registration once the discovery has connected to Redis
     *         (at once if it has); fails if the discovery is closed first
     * @throws IllegalArgumentException when the service name contains a brace
     */
    public CompletionStage<RedisServiceRegistration> register(String service, ServiceInstance instance) {
        requireNonNull(instance, "instance is null");
        settings.keys(service);
        if (closed) {
            throw new IllegalStateException("the redis discovery is closed");
        }
        return client.thenApply(redisson -> {
            synchronized (lifecycle) {
                if (closed) {
                    throw new IllegalStateException("the redis discovery is closed");
                }
                RedisServiceRegistration registration = RedisServiceRegistration.builder(redisson, service, instance)
                        .keyPrefix(settings.keyPrefix())
                        .ttl(settings.instanceTtl())
                        .heartbeatInterval(settings.heartbeatInterval())
                        .scheduler(scheduler)
                        .whenClosed(registrations::remove)
                        .start();
                registrations.add(registration);
                return registration;
            }
        });
    }

    /**
     * Stops the refresh rounds and the heartbeats of registrations made through {@link #register},
     * and shuts the Redisson client down (waiting at most {@code timeout} for its threads).
     * Listeners receive nothing afterwards. Idempotent.
     */
    @Override
    public void close() {
        RedissonClient redisson;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            redisson = redisson();
            if (redisson == null) {
                client.completeExceptionally(new IllegalStateException("the redis discovery is closed"));
            }
        }
        for (RedisServiceRegistration registration : List.copyOf(registrations)) {
            registration.abandon();
        }
        try {
            serial.execute(() -> {
                if (nextRound != null) {
                    nextRound.cancel(false);
                }
                services.clear();
            });
        }
        catch (RejectedExecutionException e) {
            LOG.debug("Scheduler already stopped; nothing left to cancel");
        }
        if (redisson != null) {
            shutDown(redisson);
        }
    }

    /** The client, or null before it first connected (and after a close that came first). */
    private RedissonClient redisson() {
        return client.isDone() && !client.isCompletedExceptionally() ? client.getNow(null) : null;
    }

    private void shutDown(RedissonClient redisson) {
        redisson.shutdown(0, settings.redis().timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- rounds: connect, then read every watched service (or ping) each refresh-interval, backing off on failure

    private void round() {
        nextRound = null;
        if (closed) {
            return;
        }
        boolean connected = redisson() != null;
        List<CompletableFuture<Boolean>> reads = new ArrayList<>();
        if (!connected) {
            reads.add(connect());
        }
        else if (services.isEmpty()) {
            reads.add(ping());
        }
        else {
            for (WatchedService watched : services.values()) {
                reads.add(refresh(watched));
            }
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenRunAsync(() -> {
            boolean failed = reads.stream().anyMatch(read -> !read.join());
            failedRounds = failed ? failedRounds + 1 : 0;
            if (!connected && !failed) {
                round();
            }
            else {
                scheduleRound();
            }
        }, serial);
    }

    /**
     * Creates the client on the blocking executor: Redisson connects while it is created and
     * fails when Redis cannot be reached. Completes with whether it connected.
     */
    private CompletableFuture<Boolean> connect() {
        CompletableFuture<Boolean> attempt = new CompletableFuture<>();
        try {
            blockingExecutor.execute(() -> {
                Thread thread = Thread.currentThread();
                ClassLoader previous = thread.getContextClassLoader();
                // Netty's threads, started from here, inherit the plugin's loader.
                thread.setContextClassLoader(RedisDiscovery.class.getClassLoader());
                try {
                    RedissonClient created = Redisson.create(RedissonConfigs.create(settings.redis(), "tollgate-discovery"));
                    synchronized (lifecycle) {
                        if (!closed) {
                            client.complete(created);
                            attempt.complete(true);
                            return;
                        }
                    }
                    shutDown(created);
                    attempt.complete(false);
                }
                catch (RuntimeException e) {
                    attempt.completeExceptionally(e);
                }
                finally {
                    thread.setContextClassLoader(previous);
                }
            });
        }
        catch (RejectedExecutionException e) {
            attempt.completeExceptionally(e);
        }
        return attempt.handleAsync((connected, failure) -> {
            if (closed) {
                return false;
            }
            if (failure != null) {
                readFailed(failure);
                return false;
            }
            readSucceeded();
            return connected;
        }, serial);
    }

    private void scheduleRound() {
        if (closed) {
            return;
        }
        long delay = settings.refreshInterval().toMillis();
        if (failedRounds > 0) {
            long maximum = settings.maxRetryInterval().toMillis();
            delay = failedRounds > 30 ? maximum : Math.min(maximum, delay << (failedRounds - 1));
        }
        try {
            nextRound = scheduler.schedule(() -> serial.execute(this::round), delay, TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private CompletableFuture<Boolean> ping() {
        return call(() -> redisson().getScript(StringCodec.INSTANCE)
                        .evalAsync(RScript.Mode.READ_ONLY, RegistryScripts.PING, RScript.ReturnType.MULTI))
                .handleAsync((ignored, failure) -> {
                    if (closed) {
                        return false;
                    }
                    if (failure != null) {
                        readFailed(failure);
                        return false;
                    }
                    readSucceeded();
                    return true;
                }, serial);
    }

    // ---- one service: subscribe, read, apply

    /** Reads {@code watched} now, or once more after the read in flight. Completes with whether the read succeeded. */
    private CompletableFuture<Boolean> refresh(WatchedService watched) {
        if (watched.reading != null) {
            watched.readAgain = true;
            return watched.reading;
        }
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        watched.reading = done;
        subscribe(watched);
        RegistryKeys keys = watched.keys;
        RedisDiscovery.<List<Object>>call(() -> redisson().getScript(StringCodec.INSTANCE).evalAsync(keys.liveness(),
                        RScript.Mode.READ_WRITE, RegistryScripts.READ, RScript.ReturnType.MULTI, List.of(keys.liveness(), keys.instances())))
                .whenCompleteAsync((reply, failure) -> {
                    watched.reading = null;
                    if (!closed && watched.active) {
                        if (failure == null) {
                            apply(watched, reply);
                        }
                        else {
                            watched.refreshFailures.increment();
                            readFailed(failure);
                        }
                    }
                    done.complete(failure == null);
                    if (watched.readAgain && watched.active && !closed) {
                        watched.readAgain = false;
                        refresh(watched);
                    }
                }, serial);
        return done;
    }

    private void subscribe(WatchedService watched) {
        if (watched.listenerId != null || watched.subscribing) {
            return;
        }
        watched.subscribing = true;
        RTopic topic = redisson().getTopic(watched.keys.changes(), StringCodec.INSTANCE);
        call(() -> topic.addListenerAsync(String.class, (channel, instanceId) -> changed(watched, instanceId)))
                .whenCompleteAsync((listenerId, failure) -> {
                    watched.subscribing = false;
                    if (failure != null) {
                        // Retried with the next read; the read reports the outage.
                        LOG.debug("Could not subscribe to {}: {}", watched.keys.changes(), Failures.describe(failure));
                        return;
                    }
                    if (closed || !watched.active) {
                        call(() -> topic.removeListenerAsync(listenerId));
                        return;
                    }
                    watched.listenerId = listenerId;
                    // A change may have landed between the first read and the subscription.
                    refresh(watched);
                }, serial);
    }

    /** On a Redisson thread: a registrant published on the service's changes channel. */
    private void changed(WatchedService watched, String instanceId) {
        if (closed) {
            return;
        }
        watched.notifications.increment();
        LOG.debug("Change of {}/{} announced", watched.name, instanceId);
        try {
            serial.execute(() -> {
                if (watched.active && !closed) {
                    refresh(watched);
                }
            });
        }
        catch (RejectedExecutionException e) {
            LOG.debug("Change of {}/{} ignored: the gateway is stopping", watched.name, instanceId);
        }
    }

    private void apply(WatchedService watched, List<Object> reply) {
        List<ServiceInstance> instances = new ArrayList<>();
        Map<String, String> malformed = new HashMap<>();
        for (int index = 0; index + 1 < reply.size(); index += 2) {
            String id = String.valueOf(reply.get(index));
            String json = String.valueOf(reply.get(index + 1));
            String problem;
            if (json.isEmpty()) {
                problem = "it is live in " + watched.keys.liveness() + " but has no description in " + watched.keys.instances();
            }
            else {
                try {
                    instances.add(InstanceJson.read(id, json));
                    continue;
                }
                catch (IllegalArgumentException e) {
                    problem = "its description " + abbreviate(json) + " is malformed: " + e.getMessage();
                }
            }
            malformed.put(id, problem);
            if (!problem.equals(watched.malformed.get(id))) {
                watched.malformedEntries.increment();
                LOG.warn("Skipping instance '{}' of service '{}': {}", id, watched.name, problem);
            }
        }
        watched.malformed = malformed;
        instances.sort(BY_ID);
        List<ServiceInstance> list = List.copyOf(instances);
        watched.refreshes.increment();
        instanceCounts.put(watched.name, list.size());
        readSucceeded();
        if (!list.equals(watched.current)) {
            LOG.debug("Service '{}' has {} instances: {}", watched.name, list.size(), list);
            watched.current = list;
            for (Watcher watcher : List.copyOf(watched.watchers)) {
                deliver(watched, watcher, list);
            }
        }
    }

    private void deliver(WatchedService watched, Watcher watcher, List<ServiceInstance> list) {
        if (watcher.closed.get()) {
            return;
        }
        try {
            watcher.listener.accept(list);
        }
        catch (RuntimeException e) {
            LOG.warn("A listener of service '{}' failed on an update of {} instances", watched.name, list.size(), e);
        }
    }

    private void unwatch(Watcher watcher) {
        WatchedService watched = services.get(watcher.service);
        if (watched == null || !watched.watchers.remove(watcher) || !watched.watchers.isEmpty()) {
            return;
        }
        watched.active = false;
        services.remove(watcher.service);
        watchedServices = services.size();
        instanceCounts.remove(watcher.service);
        if (watched.listenerId != null && !closed) {
            Integer listenerId = watched.listenerId;
            call(() -> redisson().getTopic(watched.keys.changes(), StringCodec.INSTANCE).removeListenerAsync(listenerId));
        }
    }

    // ---- reachability and health

    private void readSucceeded() {
        ReadState previous = readState;
        Instant now = clock.instant();
        if (previous.failingSince() != null) {
            LOG.info("Redis registry reachable again after {} s; service lists are current",
                    String.format(Locale.ROOT, "%.1f", Duration.between(previous.failingSince(), now).toMillis() / 1000.0));
        }
        readState = new ReadState(now, null, null);
    }

    private void readFailed(Throwable failure) {
        ReadState previous = readState;
        String message = Failures.describe(failure);
        if (previous.failingSince() == null) {
            LOG.warn("Redis registry unreachable ({}): keeping the last known instances of {} services, retrying every {} ms "
                    + "backing off to {} ms", message, services.size(), settings.refreshInterval().toMillis(),
                    settings.maxRetryInterval().toMillis());
        }
        else {
            LOG.debug("Redis registry still unreachable: {}", message);
        }
        Instant failingSince = previous.failingSince() == null ? clock.instant() : previous.failingSince();
        readState = new ReadState(previous.lastSuccess(), failingSince, message);
    }

    private Health health() {
        ReadState state = readState;
        Instant now = clock.instant();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("services", watchedServices);
        if (state.lastSuccess() != null) {
            details.put("last-refresh", state.lastSuccess().toString());
            details.put("time-since-last-refresh-ms", Duration.between(state.lastSuccess(), now).toMillis());
        }
        if (state.failingSince() == null) {
            if (state.lastSuccess() == null) {
                details.put("reason", "connecting to Redis");
                return new Health(Health.Status.DEGRADED, details);
            }
            return Health.up(details);
        }
        details.put("unreachable-for-ms", Duration.between(state.failingSince(), now).toMillis());
        boolean stale = state.lastSuccess() == null
                || Duration.between(state.lastSuccess(), now).compareTo(settings.instanceTtl()) > 0;
        details.put("reason", "Redis unreachable (" + state.lastError() + "); "
                + (state.lastSuccess() == null ? "no instances known yet" : "serving the last known instances"));
        return new Health(stale ? Health.Status.DOWN : Health.Status.DEGRADED, details);
    }

    /** Runs a Redisson command; one that fails at once (shut down, not connected) gives a failed stage too. */
    private static <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> command) {
        try {
            return command.get().toCompletableFuture();
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }

    /**
     * What the health indicator reads (written on the serial lane).
     *
     * @param lastSuccess the last successful read or ping, null before the first
     * @param failingSince the first failure since then, null while reads succeed
     */
    private record ReadState(Instant lastSuccess, Instant failingSince, String lastError) {
        static final ReadState INITIAL = new ReadState(null, null, null);
    }

    /** One watched service; touched only on the serial lane. */
    private final class WatchedService {
        final String name;
        final RegistryKeys keys;
        final List<Watcher> watchers = new ArrayList<>();
        final Metrics.Counter refreshes;
        final Metrics.Counter refreshFailures;
        final Metrics.Counter notifications;
        final Metrics.Counter malformedEntries;
        boolean active = true;
        List<ServiceInstance> current;
        Map<String, String> malformed = Map.of();
        CompletableFuture<Boolean> reading;
        boolean readAgain;
        boolean subscribing;
        Integer listenerId;

        WatchedService(String name, RegistryKeys keys) {
            this.name = name;
            this.keys = keys;
            this.refreshes = metrics.counter("refreshes", "service", name);
            this.refreshFailures = metrics.counter("refresh_failures", "service", name);
            this.notifications = metrics.counter("notifications", "service", name);
            this.malformedEntries = metrics.counter("malformed_entries", "service", name);
        }
    }

    /** One {@link #watch} call: its listener and its subscription. */
    private final class Watcher implements Subscription {
        final String service;
        final Consumer<List<ServiceInstance>> listener;
        final AtomicBoolean closed = new AtomicBoolean();

        Watcher(String service, Consumer<List<ServiceInstance>> listener) {
            this.service = service;
            this.listener = listener;
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                serial.execute(() -> unwatch(this));
            }
            catch (RejectedExecutionException e) {
                LOG.debug("Watch of {} closed while the gateway stops", service);
            }
        }
    }
}
