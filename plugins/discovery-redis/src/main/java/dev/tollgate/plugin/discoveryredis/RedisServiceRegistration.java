package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.plugin.discoveryredis.internal.Failures;
import dev.tollgate.plugin.discoveryredis.internal.InstanceJson;
import dev.tollgate.plugin.discoveryredis.internal.RegistryKeys;
import dev.tollgate.plugin.discoveryredis.internal.RegistryScripts;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Registers one instance of a service in the Redis registry and keeps it alive, for a JVM
 * service (or a test) that has a Redisson client. Gateways watching the service with the
 * {@code redis} discovery see the instance within moments of {@link Builder#start() start},
 * every {@link #update change}, and {@link #deregister() deregistration}; if the service dies
 * without deregistering, its entry expires one TTL after the last heartbeat.
 *
 * <pre>{@code
 * RedissonClient redisson = Redisson.create(config);
 * RedisServiceRegistration registration = RedisServiceRegistration
 *         .builder(redisson, "orders", new ServiceInstance("orders-1", URI.create("http://10.0.0.5:9000"), 1, Map.of("zone", "a")))
 *         .start();                                   // registers now, then every 5 s
 * ...
 * registration.deregister().toCompletableFuture().join();   // on shutdown, before redisson.shutdown()
 * }</pre>
 *
 * <p>Each write is one Lua script ({@code RegistryScripts.REGISTER}, documented in the module's
 * README with the plain Redis commands it amounts to) that reads time from Redis, so the
 * service's clock does not matter. A heartbeat writes the whole registration again, which also
 * restores it if a gateway removed it after it expired (a long pause), and publishes on the
 * changes channel only when the instance is new, came back, or changed.
 *
 * <p>Threading: every method is thread-safe and non-blocking; writes are sent one at a time, in
 * order, through Redisson's asynchronous API, and the returned stages complete on Redisson's
 * threads (do not block in their callbacks). A failed heartbeat is logged (once per run of
 * failures) and retried at the next one.
 */
public final class RedisServiceRegistration implements AutoCloseable {
    /** How long an entry lives without a heartbeat, unless {@link Builder#ttl} says otherwise. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
    /** How often the entry is renewed, unless {@link Builder#heartbeatInterval} says otherwise. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
    /** What every registry key starts with, unless {@link Builder#keyPrefix} says otherwise. */
    public static final String DEFAULT_KEY_PREFIX = "tollgate:services:";

    private static final Logger LOG = LoggerFactory.getLogger(RedisServiceRegistration.class);

    private final RScript script;
    private final String service;
    private final RegistryKeys keys;
    private final Duration ttl;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    private final CompletableFuture<Void> registered = new CompletableFuture<>();
    private final Consumer<RedisServiceRegistration> whenClosed;
    private volatile ServiceInstance instance;
    private volatile boolean failing;

    // Guarded by this.
    private CompletableFuture<Void> writes = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> deregistration;
    private boolean closed;
    private ScheduledFuture<?> heartbeat;

    private RedisServiceRegistration(Builder builder) {
        this.script = builder.redisson.getScript(StringCodec.INSTANCE);
        this.service = builder.service;
        this.keys = RegistryKeys.of(builder.keyPrefix, builder.service);
        this.ttl = builder.ttl;
        this.instance = builder.instance;
        this.ownScheduler = builder.scheduler == null;
        this.scheduler = ownScheduler ? Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tollgate-registration-" + builder.service);
            thread.setDaemon(true);
            return thread;
        }) : builder.scheduler;
        this.whenClosed = builder.whenClosed;
    }

    /**
     * Starts describing a registration.
     *
     * @param redisson the client to write with; it stays the caller's (it is never shut down here)
     * @param service the service's name, as gateways' configuration refers to it
     * @param instance this instance; its id must be unique within the service and stable across restarts
     *        of the same instance (e.g. {@code host:port})
     */
    public static Builder builder(RedissonClient redisson, String service, ServiceInstance instance) {
        return new Builder(redisson, service, instance);
    }

    /** The service this instance belongs to. */
    public String service() {
        return service;
    }

    /** The instance as last registered or {@link #update updated}. */
    public ServiceInstance instance() {
        return instance;
    }

    /**
     * Completes at the first successful write (the instance is then visible to gateways);
     * never completes if the registration is closed before one succeeded.
     */
    public CompletionStage<Void> registered() {
        return registered.minimalCompletionStage();
    }

    /**
     * Replaces the registered description (address, weight, metadata) and tells gateways at once.
     *
     * @param changed the new description; its id must be this registration's
     * @return completes when Redis has it; fails if the write failed (the next heartbeat retries it)
     * @throws IllegalArgumentException when the id differs
     * @throws IllegalStateException after {@link #deregister()} or {@link #close()}
     */
    public CompletionStage<Void> update(ServiceInstance changed) {
        requireNonNull(changed, "changed is null");
        if (!changed.id().equals(instance.id())) {
            throw new IllegalArgumentException("an update keeps the instance id '" + instance.id() + "', not '" + changed.id() + "'");
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("registration of " + service + "/" + changed.id() + " is closed");
            }
            instance = changed;
            CompletableFuture<Void> write = writes.thenCompose(ignored -> register());
            writes = write.exceptionally(failure -> null);
            return write.minimalCompletionStage();
        }
    }

    /**
     * Stops the heartbeats and removes the instance from the registry, telling gateways at once.
     * Idempotent: later calls return the same stage.
     *
     * @return completes when the entry is gone; fails when Redis could not be reached (the entry then
     *         expires one TTL after the last heartbeat)
     */
    public CompletionStage<Void> deregister() {
        synchronized (this) {
            if (deregistration == null) {
                closed = true;
                if (heartbeat != null) {
                    heartbeat.cancel(false);
                }
                String id = instance.id();
                deregistration = writes.thenCompose(ignored -> script.<Long>evalAsync(keys.liveness(), RScript.Mode.READ_WRITE,
                                RegistryScripts.DEREGISTER, RScript.ReturnType.INTEGER, List.of(keys.liveness(), keys.instances()),
                                keys.changes(), id))
                        .thenRun(() -> LOG.debug("Deregistered {}/{}", service, id));
                deregistration.whenComplete((ignored, failure) -> release());
            }
            return deregistration.minimalCompletionStage();
        }
    }

    /** {@link #deregister() Deregisters} without waiting; a failure is logged. Idempotent. */
    @Override
    public void close() {
        boolean first;
        synchronized (this) {
            first = deregistration == null;
        }
        CompletionStage<Void> done = deregister();
        if (first) {
            done.whenComplete((ignored, failure) -> {
                if (failure != null) {
                    LOG.warn("Could not deregister {}/{} ({}); the entry expires {} after the last heartbeat",
                            service, instance.id(), Failures.describe(failure), ttl);
                }
            });
        }
    }

    /** Stops the heartbeats without writing: for a discovery whose client is shutting down. */
    void abandon() {
        synchronized (this) {
            closed = true;
            if (deregistration == null) {
                deregistration = CompletableFuture.completedFuture(null);
            }
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
        }
        release();
    }

    private void start(Duration heartbeatInterval) {
        synchronized (this) {
            heartbeat = scheduler.scheduleAtFixedRate(this::heartbeat, 0, heartbeatInterval.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void heartbeat() {
        synchronized (this) {
            // Skip a beat while the previous write is still out: writes go one at a time.
            if (closed || !writes.isDone()) {
                return;
            }
            writes = register().exceptionally(failure -> null);
        }
    }

    private CompletableFuture<Void> register() {
        ServiceInstance current = instance;
        CompletableFuture<Long> written;
        try {
            written = script.<Long>evalAsync(keys.liveness(), RScript.Mode.READ_WRITE, RegistryScripts.REGISTER, RScript.ReturnType.INTEGER,
                    List.of(keys.liveness(), keys.instances()), keys.changes(), current.id(), InstanceJson.write(current),
                    Long.toString(ttl.toMillis())).toCompletableFuture();
        }
        catch (RuntimeException e) {
            // A client that is shut down refuses at once; the heartbeat must keep its schedule.
            written = CompletableFuture.failedFuture(e);
        }
        return written.handle((published, failure) -> {
            if (failure != null) {
                if (!failing) {
                    failing = true;
                    LOG.warn("Could not register {}/{} in Redis ({}); retrying every heartbeat", service, current.id(),
                            Failures.describe(failure));
                }
                throw failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
            }
            if (failing) {
                failing = false;
                LOG.info("Registered {}/{} in Redis again", service, current.id());
            }
            registered.complete(null);
            return null;
        });
    }

    private void release() {
        if (ownScheduler) {
            scheduler.shutdown();
        }
        whenClosed.accept(this);
    }

    /** Settings of a registration; {@link #start()} makes it. Not thread-safe. */
    public static final class Builder {
        private final RedissonClient redisson;
        private final String service;
        private final ServiceInstance instance;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration ttl = DEFAULT_TTL;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private ScheduledExecutorService scheduler;
        private Consumer<RedisServiceRegistration> whenClosed = registration -> { };

        private Builder(RedissonClient redisson, String service, ServiceInstance instance) {
            this.redisson = requireNonNull(redisson, "redisson is null");
            this.service = requireNonNull(service, "service is null");
            this.instance = requireNonNull(instance, "instance is null");
        }

        /** The prefix of every registry key; the gateways' {@code key-prefix} must be the same. */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = requireNonNull(prefix, "prefix is null");
            return this;
        }

        /** How long the entry lives after a heartbeat (at least a millisecond). */
        public Builder ttl(Duration value) {
            this.ttl = requireNonNull(value, "value is null");
            return this;
        }

        /** How often to renew the entry; shorter than the TTL (a third of it is usual). */
        public Builder heartbeatInterval(Duration value) {
            this.heartbeatInterval = requireNonNull(value, "value is null");
            return this;
        }

        /**
         * Where heartbeats are scheduled (tasks are short and never block). Without one, the
         * registration runs a daemon thread of its own and stops it when closed.
         */
        public Builder scheduler(ScheduledExecutorService value) {
            this.scheduler = requireNonNull(value, "value is null");
            return this;
        }

        /** Runs once when the registration is closed or abandoned. */
        Builder whenClosed(Consumer<RedisServiceRegistration> action) {
            this.whenClosed = requireNonNull(action, "action is null");
            return this;
        }

        /**
         * Writes the registration now (asynchronously) and then every heartbeat interval.
         *
         * @throws IllegalArgumentException for a TTL under a millisecond, a heartbeat interval not
         *         shorter than the TTL, or a prefix or service name with braces
         */
        public RedisServiceRegistration start() {
            if (ttl.toMillis() < 1) {
                throw new IllegalArgumentException("ttl must be at least 1ms: " + ttl);
            }
            if (heartbeatInterval.isNegative() || heartbeatInterval.isZero() || heartbeatInterval.compareTo(ttl) >= 0) {
                throw new IllegalArgumentException("heartbeat interval must be positive and shorter than the ttl (" + ttl + "): "
                        + heartbeatInterval);
            }
            RedisServiceRegistration registration = new RedisServiceRegistration(this);
            registration.start(heartbeatInterval);
            return registration;
        }
    }
}
