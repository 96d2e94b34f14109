package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static java.util.Objects.requireNonNull;

/**
 * The threads that call the bridge's event listeners, so that no listener ever runs on a Redisson
 * thread or on a publisher's thread.
 *
 * <p>Whoever has an event — Redisson's pub/sub listener, or {@code publish} while Redis is
 * unreachable — only {@linkplain #submit hands it to a lane} and returns. A lane is a bounded
 * queue (in events and in payload bytes) drained by one thread of its own, which calls the
 * listeners. A channel's events always take the same lane ({@link #laneOf}), so they reach the
 * listeners in the order they came; different channels spread over the lanes, and a listener that
 * stalls holds up only the channels of its lane.
 *
 * <p>A full lane never blocks and never grows: it drops the oldest event it holds (or the new one,
 * as configured), counts it in {@code events_dropped{reason}} ({@code lane_full} when the event
 * limit is reached, {@code lane_bytes} for the byte limit), logs at most once every
 * {@value #DROP_LOG_INTERVAL_SECONDS} s, and {@link #droppedWithin} lets the bridge report
 * itself degraded. So when events arrive faster than the listeners take them, memory stays bounded
 * by the lanes' limits, and the listeners get the newest events.
 *
 * <p>Threads are daemons named {@code <name>-lane-<n>}, with this plugin's class loader as their
 * context loader; {@link #close} stops them. Thread-safe.
 */
public final class DeliveryLanes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLanes.class);
    private static final long DROP_LOG_INTERVAL_SECONDS = 10;
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(DROP_LOG_INTERVAL_SECONDS);

    private final RedisBridgeSettings.Delivery settings;
    private final Lane[] lanes;
    private final Metrics.Counter droppedFull;
    private final Metrics.Counter droppedBytes;
    private final LongAdder droppedSinceLog = new LongAdder();
    private final AtomicLong lastLogNanos;
    private volatile long lastDropNanos;
    private volatile boolean anyDropped;
    private volatile boolean closed;

    /** Where an event goes once its lane takes it: a subscription's listeners. */
    @FunctionalInterface
    public interface Target {
        /** Called on the lane's thread; must not throw. */
        void deliver(Event event);
    }

    /**
     * Starts the lanes' threads.
     *
     * @param name the prefix of the threads' names
     */
    public DeliveryLanes(RedisBridgeSettings.Delivery settings, Metrics metrics, String name) {
        this.settings = requireNonNull(settings, "settings is null");
        requireNonNull(metrics, "metrics is null");
        requireNonNull(name, "name is null");
        this.droppedFull = metrics.counter("events_dropped", "reason", "lane_full");
        this.droppedBytes = metrics.counter("events_dropped", "reason", "lane_bytes");
        this.lastLogNanos = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL_NANOS);
        this.lanes = new Lane[settings.lanes()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane(name + "-lane-" + i);
        }
        for (Lane lane : lanes) {
            lane.thread.start();
        }
    }

    /** The lane of a channel among {@code lanes}: the same for every event of the channel. */
    public static int laneOf(String channel, int lanes) {
        int hash = channel.hashCode();
        return Math.floorMod(hash ^ (hash >>> 16), lanes);
    }

    /**
     * Queues an event for a target on its channel's lane; never blocks. Does nothing once closed.
     *
     * @param bytes the event's payload size, counted against the lane's byte limit
     */
    public void submit(Event event, int bytes, Target target) {
        if (closed) {
            return;
        }
        lanes[laneOf(event.channel(), lanes.length)].offer(new Delivery(event, bytes, target));
    }

    /** Events queued over all lanes now. */
    public long queuedEvents() {
        long total = 0;
        for (Lane lane : lanes) {
            total += lane.size;
        }
        return total;
    }

    /** Payload bytes queued over all lanes now. */
    public long queuedBytes() {
        long total = 0;
        for (Lane lane : lanes) {
            total += lane.bytes;
        }
        return total;
    }

    /** Events dropped since the start. */
    public long dropped() {
        return droppedFull.count() + droppedBytes.count();
    }

    /** Whether an event was dropped within {@code window} of now. */
    public boolean droppedWithin(Duration window) {
        return anyDropped && System.nanoTime() - lastDropNanos <= window.toNanos();
    }

    private void recordDrops(long full, long overBytes) {
        if (full > 0) {
            droppedFull.increment(full);
        }
        if (overBytes > 0) {
            droppedBytes.increment(overBytes);
        }
        long now = System.nanoTime();
        lastDropNanos = now;
        anyDropped = true;
        droppedSinceLog.add(full + overBytes);
        long last = lastLogNanos.get();
        if (now - last >= DROP_LOG_INTERVAL_NANOS && lastLogNanos.compareAndSet(last, now)) {
            LOG.warn("The Redis event bridge's listeners take events more slowly than they arrive: {} event(s) dropped since the "
                            + "last report (a lane holds at most {} events and {} bytes; overflow {}; next report in {} s at the earliest)",
                    droppedSinceLog.sumThenReset(), settings.queueSize(), settings.queueBytes(),
                    settings.overflow().name().toLowerCase(Locale.ROOT).replace('_', '-'), DROP_LOG_INTERVAL_SECONDS);
        }
    }

    /**
     * Stops the lanes: events still queued are dropped, and each thread ends once the listener it
     * is calling returns. Waits at most {@code wait} for the threads (never for the calling thread
     * itself, when a listener closes the bridge).
     */
    public void close(Duration wait) {
        closed = true;
        for (Lane lane : lanes) {
            lane.stop();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (Lane lane : lanes) {
            long remaining = deadline - System.nanoTime();
            if (lane.thread == Thread.currentThread() || remaining <= 0) {
                continue;
            }
            try {
                lane.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** {@link #close(Duration)} waiting at most one second. */
    @Override
    public void close() {
        close(Duration.ofSeconds(1));
    }

    private record Delivery(Event event, int bytes, Target target) {
    }

    /** One bounded queue and its thread. The queue and its counts are guarded by {@code lock}. */
    private final class Lane implements Runnable {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition notEmpty = lock.newCondition();
        private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
        private final Thread thread;
        /** Written under the lock, read by the gauges without it. */
        private volatile int size;
        private volatile long bytes;
        private boolean stopped;

        Lane(String name) {
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.setContextClassLoader(DeliveryLanes.class.getClassLoader());
        }

        void offer(Delivery delivery) {
            long full = 0;
            long overBytes = 0;
            lock.lock();
            try {
                if (stopped) {
                    return;
                }
                boolean accepted = true;
                while (size >= settings.queueSize() || bytes + delivery.bytes() > settings.queueBytes()) {
                    boolean countFull = size >= settings.queueSize();
                    if (settings.overflow() == RedisBridgeSettings.Overflow.DROP_NEWEST || queue.isEmpty()) {
                        accepted = false;
                    }
                    else {
                        Delivery oldest = queue.poll();
                        size--;
                        bytes -= oldest.bytes();
                    }
                    if (countFull) {
                        full++;
                    }
                    else {
                        overBytes++;
                    }
                    if (!accepted) {
                        break;
                    }
                }
                if (accepted) {
                    queue.add(delivery);
                    size++;
                    bytes += delivery.bytes();
                    notEmpty.signal();
                }
            }
            finally {
                lock.unlock();
            }
            if (full > 0 || overBytes > 0) {
                recordDrops(full, overBytes);
            }
        }

        void stop() {
            lock.lock();
            try {
                stopped = true;
                queue.clear();
                size = 0;
                bytes = 0;
                notEmpty.signal();
            }
            finally {
                lock.unlock();
            }
        }

        @Override
        public void run() {
            while (true) {
                Delivery next;
                lock.lock();
                try {
                    while (queue.isEmpty() && !stopped) {
                        // Never interrupted: a listener may be writing to a socket on this thread.
                        notEmpty.awaitUninterruptibly();
                    }
                    if (stopped) {
                        return;
                    }
                    next = queue.poll();
                    size--;
                    bytes -= next.bytes();
                }
                finally {
                    lock.unlock();
                }
                try {
                    next.target().deliver(next.event());
                }
                catch (RuntimeException e) {
                    LOG.error("Delivering {} failed", next.event(), e);
                }
            }
        }
    }
}
