package dev.tollgate.runtime.event;

import dev.tollgate.api.event.ChannelGlob;
import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.HistoryGapException;
import dev.tollgate.api.event.HistoryRule;
import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import static java.util.Objects.requireNonNull;

/**
 * The embedded event bus: delivery within this process, on the publisher's thread.
 *
 * <p>Subscriptions change rarely and events are delivered often, so listeners sit in
 * copy-on-write lists: publishing takes no lock and allocates nothing but the event.
 *
 * <p>Channels matching a {@link HistoryRule} keep their last events in memory, with offsets
 * {@code <millis>-<sequence>} where the sequence counts the channel's events from 1, so a gap is
 * detected exactly. Memory stays bounded:
 * <ul>
 * <li>a channel whose events are all older than its rule's {@code ttl} is forgotten by
 *     {@link #evictExpired()}, which the runtime calls every {@link #EXPIRY_SWEEP_INTERVAL} (it
 *     also drops the expired events of the channels it keeps);</li>
 * <li>at most {@code maxHistoryChannels} channels keep history: a new one takes the place of
 *     the channel published to least recently, after the expired ones (logged at most once a
 *     minute).</li>
 * </ul>
 * A forgotten channel starts a new history with offsets after every offset of its old one, and an
 * offset of the old one reports a {@link HistoryGapException}: nothing is ever skipped silently.
 */
public final class InMemoryEventBus implements EventBus {
    /** How many channels keep history at most unless told otherwise ({@code gateway.events.local.max-history-channels}). */
    public static final int DEFAULT_MAX_HISTORY_CHANNELS = 10_000;
    /** How often the runtime calls {@link #evictExpired()}. */
    public static final Duration EXPIRY_SWEEP_INTERVAL = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryEventBus.class);
    private static final long CAPACITY_LOG_INTERVAL_MILLIS = 60_000;

    private final Map<String, CopyOnWriteArrayList<EventListener>> channels = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<PatternListener> patterns = new CopyOnWriteArrayList<>();
    private final List<HistoryRule> historyRules;
    private final int maxHistoryChannels;
    private final Map<String, ChannelHistory> histories = new ConcurrentHashMap<>();
    /** Taken to add a channel's history, so that the bound holds. */
    private final Object historyCreation = new Object();
    /** The highest millis of any offset of a forgotten history: a new history's offsets start above it. */
    private final AtomicLong forgottenUpTo = new AtomicLong();
    private final Presence presence = new InMemoryPresence();
    private final Clock clock;
    /** When the bound last made a channel lose its history, for the log; guarded by historyCreation. */
    private long lastCapacityLogMillis = Long.MIN_VALUE;

    /** A bus without history. */
    public InMemoryEventBus() {
        this(List.of(), Clock.systemUTC());
    }

    /** A bus keeping history by {@code historyRules} for at most {@link #DEFAULT_MAX_HISTORY_CHANNELS} channels. */
    public InMemoryEventBus(List<HistoryRule> historyRules, Clock clock) {
        this(historyRules, DEFAULT_MAX_HISTORY_CHANNELS, clock);
    }

    /**
     * @param maxHistoryChannels how many channels keep history at most
     * @throws IllegalArgumentException when {@code maxHistoryChannels} is less than 1
     */
    public InMemoryEventBus(List<HistoryRule> historyRules, int maxHistoryChannels, Clock clock) {
        this.historyRules = List.copyOf(historyRules);
        if (maxHistoryChannels < 1) {
            throw new IllegalArgumentException("maxHistoryChannels must be positive, got " + maxHistoryChannels);
        }
        this.maxHistoryChannels = maxHistoryChannels;
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public CompletionStage<Void> publish(String channel, ByteBuffer payload) {
        requireNonNull(channel, "channel is null");
        Event event = Event.of(channel, requireNonNull(payload, "payload is null"));
        HistoryRule rule = ruleFor(channel);
        if (rule != null) {
            while (true) {
                ChannelHistory history = historyOf(channel, rule);
                // Record and deliver under the channel's lock so that offsets reach listeners in order.
                history.lock.lock();
                try {
                    if (!history.forgotten) {
                        deliver(history.append(event, clock.millis()));
                        return CompletableFuture.completedFuture(null);
                    }
                }
                finally {
                    history.lock.unlock();
                }
                // Forgotten between the look-up and the lock: the channel gets a new history.
            }
        }
        deliver(event);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean keepsHistory(String channel) {
        return ruleFor(channel) != null;
    }

    @Override
    public CompletionStage<List<Event>> history(String channel, String afterOffset) {
        if (ruleFor(channel) == null) {
            return CompletableFuture.failedFuture(new HistoryGapException(channel, "channel " + channel + " keeps no history"));
        }
        long after;
        try {
            after = sequenceOf(afterOffset);
        }
        catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new HistoryGapException(channel, "not an offset of " + channel + ": " + afterOffset));
        }
        ChannelHistory history = histories.get(channel);
        if (history != null) {
            history.lock.lock();
            try {
                if (!history.forgotten) {
                    return history.after(channel, after, millisOf(afterOffset), afterOffset, clock.millis());
                }
            }
            finally {
                history.lock.unlock();
            }
        }
        return after == 0 ? CompletableFuture.completedFuture(List.of())
                : CompletableFuture.failedFuture(new HistoryGapException(channel, "offset " + afterOffset + " is unknown"));
    }

    @Override
    public CompletionStage<String> latestOffset(String channel) {
        if (ruleFor(channel) == null) {
            return CompletableFuture.failedFuture(new HistoryGapException(channel, "channel " + channel + " keeps no history"));
        }
        ChannelHistory history = histories.get(channel);
        if (history != null) {
            history.lock.lock();
            try {
                if (!history.forgotten) {
                    return CompletableFuture.completedFuture(history.latestOffset);
                }
            }
            finally {
                history.lock.unlock();
            }
        }
        return CompletableFuture.completedFuture("0-0");
    }

    @Override
    public Presence presence() {
        return presence;
    }

    /**
     * Forgets the channels whose events are all older than their rule's {@code ttl}, and drops the
     * expired events of the others. The runtime calls it every {@link #EXPIRY_SWEEP_INTERVAL}; it
     * takes each channel's lock in turn, briefly.
     */
    public void evictExpired() {
        long now = clock.millis();
        for (Map.Entry<String, ChannelHistory> entry : histories.entrySet()) {
            ChannelHistory history = entry.getValue();
            history.lock.lock();
            try {
                if (!history.forgotten) {
                    history.trim(now);
                    if (history.events.isEmpty()) {
                        forget(entry.getKey(), history);
                    }
                }
            }
            finally {
                history.lock.unlock();
            }
        }
    }

    /** The channel's history, added (within the bound) if it has none. */
    private ChannelHistory historyOf(String channel, HistoryRule rule) {
        ChannelHistory history = histories.get(channel);
        if (history != null) {
            return history;
        }
        synchronized (historyCreation) {
            history = histories.get(channel);
            if (history == null) {
                long now = clock.millis();
                makeRoom(now);
                history = new ChannelHistory(rule, Math.max(now, forgottenUpTo.get() + 1));
                histories.put(channel, history);
            }
            return history;
        }
    }

    /**
     * Makes room for one more channel's history when the bound is reached: forgets the channels
     * whose events all expired and, if that is not enough, the one published to least recently.
     * Holds historyCreation, so only tries the channels' locks: a publisher holding one while its
     * listener publishes to a new channel waits for historyCreation. A channel whose lock is held
     * is being published to, hence neither expired nor the least recent; should every channel be,
     * the bound is exceeded until the next creation.
     */
    private void makeRoom(long now) {
        if (histories.size() < maxHistoryChannels) {
            return;
        }
        for (Map.Entry<String, ChannelHistory> entry : histories.entrySet()) {
            ChannelHistory history = entry.getValue();
            if (history.expired(now)) {
                tryForget(entry.getKey(), history, now, true);
            }
        }
        Set<ChannelHistory> busy = new HashSet<>();
        while (histories.size() >= maxHistoryChannels) {
            Map.Entry<String, ChannelHistory> leastRecent = null;
            for (Map.Entry<String, ChannelHistory> entry : histories.entrySet()) {
                if (!busy.contains(entry.getValue())
                        && (leastRecent == null || entry.getValue().lastPublishedMillis < leastRecent.getValue().lastPublishedMillis)) {
                    leastRecent = entry;
                }
            }
            if (leastRecent == null) {
                return;
            }
            if (!tryForget(leastRecent.getKey(), leastRecent.getValue(), now, false)) {
                busy.add(leastRecent.getValue());
                continue;
            }
            if (now - lastCapacityLogMillis >= CAPACITY_LOG_INTERVAL_MILLIS) {
                lastCapacityLogMillis = now;
                LOG.warn("{} channels keep history in memory, the most gateway.events.local.max-history-channels allows: the history of "
                        + "{}, published to least recently, was dropped for a new channel's (clients recovering from it see a gap; "
                        + "said at most once a minute)", maxHistoryChannels, leastRecent.getKey());
            }
        }
    }

    /**
     * Forgets a channel's history unless its lock is held, or, with {@code onlyIfExpired}, unless
     * it received an event since; whether it is forgotten now.
     */
    private boolean tryForget(String channel, ChannelHistory history, long now, boolean onlyIfExpired) {
        if (!history.lock.tryLock()) {
            return false;
        }
        try {
            if (!history.forgotten && (!onlyIfExpired || history.expired(now))) {
                forget(channel, history);
            }
            return history.forgotten;
        }
        finally {
            history.lock.unlock();
        }
    }

    /** Forgets a channel's history; holds its lock. */
    private void forget(String channel, ChannelHistory history) {
        history.forgotten = true;
        // Before the removal, so that a history created after it starts above every offset of this one.
        forgottenUpTo.accumulateAndGet(history.lastMillis, Math::max);
        histories.remove(channel, history);
    }

    private HistoryRule ruleFor(String channel) {
        return HistoryRule.forChannel(historyRules, channel).orElse(null);
    }

    private static long sequenceOf(String offset) {
        Event.compareOffsets(offset, "0-0");
        return Long.parseLong(offset.substring(offset.indexOf('-') + 1));
    }

    private static long millisOf(String offset) {
        return Long.parseLong(offset.substring(0, offset.indexOf('-')));
    }

    /** Delivers an event that already exists (the local side of a bridge, history replay). */
    public void deliver(Event event) {
        List<EventListener> listeners = channels.get(event.channel());
        if (listeners != null) {
            for (EventListener listener : listeners) {
                notify(listener, event);
            }
        }
        for (PatternListener pattern : patterns) {
            if (pattern.pattern().matches(event.channel())) {
                notify(pattern.listener(), event);
            }
        }
    }

    @Override
    public Subscription subscribe(String channel, EventListener listener) {
        requireNonNull(channel, "channel is null");
        requireNonNull(listener, "listener is null");
        channels.computeIfAbsent(channel, key -> new CopyOnWriteArrayList<>()).add(listener);
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                channels.computeIfPresent(channel, (key, listeners) -> {
                    listeners.remove(listener);
                    return listeners.isEmpty() ? null : listeners;
                });
            }
        };
    }

    @Override
    public Subscription subscribePattern(String pattern, EventListener listener) {
        PatternListener entry = new PatternListener(ChannelGlob.compile(requireNonNull(pattern, "pattern is null")),
                requireNonNull(listener, "listener is null"));
        patterns.add(entry);
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                patterns.remove(entry);
            }
        };
    }

    /** How many channels keep history now: each holds its retained events in memory. */
    public int channelsWithHistory() {
        return histories.size();
    }

    /** Whether any listener is subscribed to exactly this channel. */
    public boolean hasSubscribers(String channel) {
        return channels.containsKey(channel);
    }

    private static void notify(EventListener listener, Event event) {
        try {
            listener.onEvent(event);
        }
        catch (RuntimeException e) {
            LOG.error("Event listener {} failed on {}", listener, event, e);
        }
    }

    private record PatternListener(ChannelGlob pattern, EventListener listener) {
    }

    /** One channel's retained events; guarded by its lock. */
    private static final class ChannelHistory {
        private final ReentrantLock lock = new ReentrantLock();
        private final HistoryRule rule;
        private final ArrayDeque<Retained> events = new ArrayDeque<>();
        /** The millis of every offset of this history are at least this: older offsets are of a forgotten one. */
        private final long startMillis;
        private long sequence;
        private long lastMillis;
        private String latestOffset = "0-0";
        /** When the last event was published (by the clock, unlike lastMillis); read without the lock to pick one to forget. */
        private volatile long lastPublishedMillis;
        /** Removed from the bus: whoever holds it looks again. */
        private boolean forgotten;

        ChannelHistory(HistoryRule rule, long startMillis) {
            this.rule = rule;
            this.startMillis = startMillis;
            this.lastMillis = startMillis;
            this.lastPublishedMillis = startMillis;
        }

        /** Whether every event it had is older than the rule's ttl. Needs no lock. */
        boolean expired(long now) {
            return lastPublishedMillis < now - rule.ttl().toMillis();
        }

        Event append(Event event, long now) {
            lastMillis = Math.max(lastMillis, now);
            lastPublishedMillis = now;
            sequence++;
            latestOffset = lastMillis + "-" + sequence;
            Event withOffset = event.withOffset(latestOffset);
            events.addLast(new Retained(withOffset, sequence, now));
            trim(now);
            return withOffset;
        }

        CompletionStage<List<Event>> after(String channel, long after, long afterMillis, String afterOffset, long now) {
            trim(now);
            if (after > sequence) {
                return CompletableFuture.failedFuture(new HistoryGapException(channel, "offset " + afterOffset + " is unknown"));
            }
            long oldestKept = events.isEmpty() ? sequence + 1 : events.peekFirst().sequence();
            if (after + 1 < oldestKept || (after > 0 && afterMillis < startMillis)) {
                return CompletableFuture.failedFuture(new HistoryGapException(channel,
                        "history of " + channel + " no longer reaches back to " + afterOffset));
            }
            List<Event> missed = new ArrayList<>();
            for (Retained retained : events) {
                if (retained.sequence() > after) {
                    missed.add(retained.event());
                }
            }
            return CompletableFuture.completedFuture(List.copyOf(missed));
        }

        private void trim(long now) {
            long oldestAllowed = now - rule.ttl().toMillis();
            while (!events.isEmpty() && (events.size() > rule.size() || events.peekFirst().publishedMillis() < oldestAllowed)) {
                events.removeFirst();
            }
        }

        private record Retained(Event event, long sequence, long publishedMillis) {
        }
    }
}
