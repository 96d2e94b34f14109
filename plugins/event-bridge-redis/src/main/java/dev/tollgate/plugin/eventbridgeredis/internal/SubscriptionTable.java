package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.ChannelGlob;
import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.Subscription;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * The bridge's subscriptions of one kind, channels or patterns: the local listeners of each name,
 * and one Redis subscription per name while it has at least one listener. The first local
 * subscription to a name subscribes in Redis; closing the last one unsubscribes.
 *
 * <p>Each name's Redis side is driven by {@link #reconcile}: it compares what is wanted (any
 * listener?) with what exists (a Redis subscription?) and starts at most one subscribe or
 * unsubscribe at a time, then looks again when that completes, so that listeners coming and
 * going during a round trip never leave a subscription behind or a listener without one. A
 * subscribe that fails is retried with the reconnection back-off, and everything is reconciled
 * again when Redis comes back. Redisson re-subscribes existing subscriptions after a reconnect.
 *
 * <p>Each name holds a slot of the {@link SubscriptionCapacity} from its first listener until its
 * Redis subscription is released; a new name that finds none is refused at once, its
 * registration's {@link Subscription#active()} failing. A registration is active once Redis
 * confirmed its name's subscription (at once if it already had).
 *
 * <p>A Redis subscription delivers only while it is the current one of its name, so an attempt
 * that Redis confirms after it was given up never delivers twice. What arrives is only handed to
 * the {@link DeliveryLanes} (Redisson's listener thread returns at once); the lane's thread calls
 * the name's listeners as they are when it takes the event. A listener that throws is logged and
 * the others still run.
 *
 * <p>Thread-safe; nothing here waits for Redis.
 */
public final class SubscriptionTable {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionTable.class);

    private final Kind kind;
    private final RedisConnector connector;
    private final Function<String, String> redisName;
    private final BiFunction<String, byte[], Event> decoder;
    private final ScheduledExecutorService scheduler;
    private final Function<Integer, Duration> backOff;
    private final DeliveryLanes lanes;
    private final SubscriptionCapacity capacity;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Channels (SUBSCRIBE) or patterns (PSUBSCRIBE). */
    public enum Kind {
        CHANNEL, PATTERN
    }

    /**
     * @param redisName maps a subscribed name to its Redis channel or pattern
     * @param decoder turns a message from Redis (its Redis channel, its bytes) into the event
     *        the listeners receive; {@code null} drops it
     * @param backOff the delay before retrying a failed subscription, by attempt
     * @param lanes the threads that call the listeners
     * @param capacity the Redis subscriptions this table and the bridge's other one may hold
     */
    public SubscriptionTable(Kind kind, RedisConnector connector, Function<String, String> redisName, BiFunction<String, byte[], Event> decoder,
            ScheduledExecutorService scheduler, Function<Integer, Duration> backOff, DeliveryLanes lanes, SubscriptionCapacity capacity) {
        this.kind = requireNonNull(kind, "kind is null");
        this.connector = requireNonNull(connector, "connector is null");
        this.redisName = requireNonNull(redisName, "redisName is null");
        this.decoder = requireNonNull(decoder, "decoder is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.backOff = requireNonNull(backOff, "backOff is null");
        this.lanes = requireNonNull(lanes, "lanes is null");
        this.capacity = requireNonNull(capacity, "capacity is null");
    }

    /**
     * Adds a listener of {@code name}; subscribes in Redis if it is the first. A new name that
     * finds no room in the capacity is refused: the registration returned is closed and its
     * {@link Subscription#active()} fails.
     */
    public Subscription add(String name, EventListener listener) {
        requireNonNull(name, "name is null");
        requireNonNull(listener, "listener is null");
        if (closed) {
            throw new IllegalStateException("the Redis event bridge is closed");
        }
        ChannelGlob pattern = kind == Kind.PATTERN ? ChannelGlob.compile(name) : null;
        Registration registration = new Registration(listener);
        Entry entry = entries.compute(name, (key, current) -> {
            if (current == null && !capacity.tryAcquire()) {
                return null;
            }
            Entry target = current == null ? new Entry(key, pattern) : current;
            target.registrations.add(registration);
            return target;
        });
        if (entry == null) {
            registration.refuse(capacity.refuse(kind == Kind.CHANNEL ? "channel" : "pattern", name));
            return registration;
        }
        registration.entry = entry;
        boolean subscribedNow;
        // Under the entry's lock: the last listener leaving may be unsubscribing it right now.
        synchronized (entry) {
            subscribedNow = entry.subscribed;
        }
        if (subscribedNow) {
            registration.activate();
        }
        reconcile(entry);
        return registration;
    }

    /**
     * Hands an event to the listeners this table would call for it without Redis — the channel's
     * listeners, or those of every pattern that matches it — through the delivery lanes, as if it
     * had come from Redis.
     *
     * @param bytes the event's payload size
     */
    public void deliverLocally(Event event, int bytes) {
        if (kind == Kind.CHANNEL) {
            Entry entry = entries.get(event.channel());
            if (entry != null) {
                lanes.submit(event, bytes, entry);
            }
            return;
        }
        for (Entry entry : entries.values()) {
            if (entry.pattern.matches(event.channel())) {
                lanes.submit(event, bytes, entry);
            }
        }
    }

    /** Reconciles every name: after Redis came back, or to retry what failed. */
    public void reconcileAll() {
        for (Entry entry : entries.values()) {
            reconcile(entry);
        }
    }

    /** How many names are subscribed in Redis now. */
    public int subscribedInRedis() {
        int count = 0;
        for (Entry entry : entries.values()) {
            if (entry.subscribed) {
                count++;
            }
        }
        return count;
    }

    /**
     * Forgets every listener, failing the registrations not active yet; the Redis subscriptions
     * end with the client's connections.
     */
    public void close() {
        closed = true;
        for (Entry entry : entries.values()) {
            for (Registration registration : entry.registrations) {
                registration.refuse(new GatewayException(ErrorCode.UNAVAILABLE, "the Redis event bridge is closed"));
            }
        }
        entries.clear();
    }

    private void reconcile(Entry entry) {
        RedissonClient client = connector.client();
        Runnable action = null;
        boolean idle = false;
        synchronized (entry) {
            if (entry.busy || closed) {
                return;
            }
            boolean wanted = !entry.registrations.isEmpty();
            if (wanted && entry.current == null) {
                if (client == null) {
                    return;
                }
                Attempt attempt = new Attempt();
                entry.current = attempt;
                entry.busy = true;
                action = () -> subscribe(client, entry, attempt);
            }
            else if (!wanted && entry.current != null) {
                entry.current = null;
                entry.subscribed = false;
                entry.busy = true;
                action = () -> unsubscribe(client, entry);
            }
            else if (!wanted) {
                idle = true;
            }
        }
        if (action != null) {
            action.run();
        }
        else if (idle) {
            // Outside the entry's lock: the map's lock is always taken first.
            entries.computeIfPresent(entry.name, (key, current) -> {
                if (current == entry && entry.isIdle()) {
                    capacity.release();
                    return null;
                }
                return current;
            });
        }
    }

    private void subscribe(RedissonClient client, Entry entry, Attempt attempt) {
        String target = redisName.apply(entry.name);
        BiConsumer<String, byte[]> sink = (redisChannel, message) -> {
            if (entry.current == attempt) {
                Event event = decoder.apply(redisChannel, message);
                if (event != null) {
                    lanes.submit(event, message.length, entry);
                }
            }
        };
        CompletionStage<?> subscribed;
        try {
            subscribed = kind == Kind.CHANNEL
                    ? client.getTopic(target, ByteArrayCodec.INSTANCE)
                            .addListenerAsync(byte[].class, (channel, message) -> sink.accept(channel.toString(), message))
                    : client.getPatternTopic(target, ByteArrayCodec.INSTANCE)
                            .addListenerAsync(byte[].class, (pattern, channel, message) -> sink.accept(channel.toString(), message));
        }
        catch (RuntimeException e) {
            subscribed = CompletableFuture.failedFuture(e);
        }
        subscribed.whenComplete((ignored, failure) -> {
            if (failure == null) {
                boolean subscribedNow;
                synchronized (entry) {
                    entry.busy = false;
                    entry.failures = 0;
                    subscribedNow = entry.current == attempt;
                    entry.subscribed = subscribedNow;
                }
                if (subscribedNow) {
                    for (Registration registration : entry.registrations) {
                        registration.activate();
                    }
                }
                reconcile(entry);
                return;
            }
            int failures;
            synchronized (entry) {
                if (entry.current == attempt) {
                    entry.current = null;
                }
                failures = entry.failures++;
            }
            Duration delay = backOff.apply(failures);
            if (failures == 0) {
                LOG.warn("Cannot subscribe to Redis {} {}, retrying: {}", kind == Kind.CHANNEL ? "channel" : "pattern", target,
                        RedisFailures.describe(failure));
            }
            // Drop whatever the failed attempt may still register, then retry after the back-off.
            removeAll(client, target).whenComplete((done, ignoredFailure) -> {
                synchronized (entry) {
                    entry.busy = false;
                }
                retryLater(entry, delay);
            });
        });
    }

    private void unsubscribe(RedissonClient client, Entry entry) {
        String target = redisName.apply(entry.name);
        removeAll(client, target).whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.debug("Unsubscribing from Redis {} failed (the connection's end releases it): {}", target,
                        RedisFailures.describe(failure));
            }
            synchronized (entry) {
                entry.busy = false;
            }
            reconcile(entry);
        });
    }

    /** Removes this client's listeners of the Redis channel or pattern, which unsubscribes it. */
    private CompletionStage<Void> removeAll(RedissonClient client, String target) {
        try {
            return kind == Kind.CHANNEL
                    ? client.getTopic(target, ByteArrayCodec.INSTANCE).removeAllListenersAsync()
                    : client.getPatternTopic(target, ByteArrayCodec.INSTANCE).removeAllListenersAsync();
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void retryLater(Entry entry, Duration delay) {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(() -> reconcile(entry), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException e) {
            LOG.debug("Cannot schedule a subscription retry: {}", e.toString());
        }
    }

    /** One name's listeners and Redis state; the state fields are guarded by the entry's monitor. */
    private static final class Entry implements DeliveryLanes.Target {
        final String name;
        final ChannelGlob pattern;
        final List<Registration> registrations = new CopyOnWriteArrayList<>();
        /** The Redis subscription attempt that may deliver; null when none. Read without the lock. */
        volatile Attempt current;
        /** Whether Redis confirmed the current attempt. */
        volatile boolean subscribed;
        boolean busy;
        int failures;

        Entry(String name, ChannelGlob pattern) {
            this.name = name;
            this.pattern = pattern;
        }

        synchronized boolean isIdle() {
            return registrations.isEmpty() && current == null && !busy;
        }

        /** Calls the listeners registered now; one that throws is logged and the others still run. */
        @Override
        public void deliver(Event event) {
            for (Registration registration : registrations) {
                try {
                    registration.listener.onEvent(event);
                }
                catch (RuntimeException e) {
                    LOG.error("Event listener {} failed on {}", registration.listener, event, e);
                }
            }
        }
    }

    /** Identifies one subscribe attempt. */
    private static final class Attempt {
    }

    /** One listener's registration; closing it removes the listener. */
    private final class Registration implements Subscription {
        final EventListener listener;
        final AtomicBoolean closed = new AtomicBoolean();
        final CompletableFuture<Void> active = new CompletableFuture<>();
        volatile Entry entry;

        Registration(EventListener listener) {
            this.listener = listener;
        }

        /** Redis confirmed the subscription of its name. */
        void activate() {
            active.complete(null);
        }

        /** The bridge will not make it active: closes it, failing {@link #active()} unless it was already. */
        void refuse(GatewayException reason) {
            closed.set(true);
            active.completeExceptionally(reason);
        }

        @Override
        public CompletionStage<Void> active() {
            return active.copy();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                active.completeExceptionally(new CancellationException("the subscription was closed before it was active"));
                Entry target = entry;
                target.registrations.remove(this);
                reconcile(target);
            }
        }
    }
}
