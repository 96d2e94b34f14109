package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * How many Redis subscriptions (channels and patterns together) the bridge may hold: Redisson's
 * pub/sub pool has {@code subscription-connections} connections of
 * {@code subscriptions-per-connection} subscriptions each, and a subscription it has no room for
 * only times out. So the {@link SubscriptionTable}s take a slot here for each name from its first
 * listener until its Redis subscription is released, and a name that finds none is refused at
 * once: its subscribers learn it ({@code Subscription.active()} fails) rather than receive nothing.
 *
 * <p>A refusal is counted ({@code subscriptions_refused}), logged at most once every
 * {@value #LOG_INTERVAL_SECONDS} s, and {@link #refusedWithin} lets the bridge report itself
 * degraded. In a cluster each node's pool has that size; counting all nodes' subscriptions
 * together, as this does, never lets one node run out. Thread-safe.
 */
public final class SubscriptionCapacity {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionCapacity.class);
    private static final long LOG_INTERVAL_SECONDS = 10;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS);

    private final int connections;
    private final int perConnection;
    private final int capacity;
    private final AtomicInteger used = new AtomicInteger();
    private final Metrics.Counter refusedCounter;
    private final LongAdder refused = new LongAdder();
    private final LongAdder refusedSinceLog = new LongAdder();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
    private volatile long lastRefusalNanos;
    private volatile boolean anyRefused;

    public SubscriptionCapacity(RedisBridgeSettings.Client client, Metrics metrics) {
        requireNonNull(client, "client is null");
        this.connections = client.subscriptionConnections();
        this.perConnection = client.subscriptionsPerConnection();
        this.capacity = Math.multiplyExact(connections, perConnection);
        this.refusedCounter = requireNonNull(metrics, "metrics is null").counter("subscriptions_refused");
    }

    /** Takes a slot for a new name; false when there is none left. */
    public boolean tryAcquire() {
        while (true) {
            int current = used.get();
            if (current >= capacity) {
                return false;
            }
            if (used.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives back the slot of a name whose Redis subscription is released. */
    public void release() {
        used.decrementAndGet();
    }

    /**
     * Records that a subscription to {@code name} found no slot, and returns the failure its
     * subscribers get.
     *
     * @param what {@code channel} or {@code pattern}
     */
    public GatewayException refuse(String what, String name) {
        refused.increment();
        refusedCounter.increment();
        lastRefusalNanos = System.nanoTime();
        anyRefused = true;
        String limit = describe();
        refusedSinceLog.increment();
        long last = lastLogNanos.get();
        long now = System.nanoTime();
        if (now - last >= LOG_INTERVAL_NANOS && lastLogNanos.compareAndSet(last, now)) {
            LOG.warn("Refused {} subscription(s) (the latest to {} {}): this instance holds {} Redis subscriptions, the most {} allow; "
                    + "raise them in gateway.events.redis (said at most every {} s)", refusedSinceLog.sumThenReset(), what, name,
                    capacity, limit, LOG_INTERVAL_SECONDS);
        }
        return new GatewayException(ErrorCode.UNAVAILABLE, "cannot subscribe to " + what + " " + name + ": this gateway instance holds "
                + capacity + " Redis subscriptions, the most " + limit + " allow");
    }

    /** Channels and patterns that may be subscribed in Redis at once. */
    public int capacity() {
        return capacity;
    }

    /** {@code subscription-connections × subscriptions-per-connection = c × p}, for messages. */
    public String describe() {
        return "subscription-connections × subscriptions-per-connection = " + connections + " × " + perConnection;
    }

    /** Subscriptions refused since the start. */
    public long refused() {
        return refused.sum();
    }

    /** Whether a subscription was refused within the last {@code period}. */
    public boolean refusedWithin(Duration period) {
        return anyRefused && System.nanoTime() - lastRefusalNanos < period.toNanos();
    }
}
