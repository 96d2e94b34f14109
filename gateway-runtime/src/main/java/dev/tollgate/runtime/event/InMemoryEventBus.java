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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * The embedded event bus: delivery within this process, on the publisher's thread.
 *
 * <p>Subscriptions change rarely and events are delivered often, so listeners sit in
 * copy-on-write lists: publishing takes no lock and allocates nothing but the event.
 *
 * <p>Channels matching a {@link HistoryRule} keep their last events in memory, with offsets
 * {@code <millis>-<sequence>} where the sequence counts the channel's events from 1, so a gap is
 * detected exactly.
 */
public final class InMemoryEventBus implements EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryEventBus.class);

    private final Map<String, CopyOnWriteArrayList<EventListener>> channels = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<PatternListener> patterns = new CopyOnWriteArrayList<>();
    private final List<HistoryRule> historyRules;
    private final Map<String, ChannelHistory> histories = new ConcurrentHashMap<>();
    private final Presence presence = new InMemoryPresence();
    private final Clock clock;

    /** A bus without history. */
    public InMemoryEventBus() {
        this(List.of(), Clock.systemUTC());
    }

    public InMemoryEventBus(List<HistoryRule> historyRules, Clock clock) {
        this.historyRules = List.copyOf(historyRules);
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public CompletionStage<Void> publish(String channel, ByteBuffer payload) {
        requireNonNull(channel, "channel is null");
        Event event = Event.of(channel, requireNonNull(payload, "payload is null"));
        HistoryRule rule = ruleFor(channel);
        if (rule != null) {
            ChannelHistory history = histories.computeIfAbsent(channel, key -> new ChannelHistory(rule));
            // Record and deliver under the channel's lock so that offsets reach listeners in order.
            synchronized (history) {
                event = history.append(event, clock.millis());
                deliver(event);
            }
            return CompletableFuture.completedFuture(null);
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
        if (history == null) {
            return after == 0 ? CompletableFuture.completedFuture(List.of())
                    : CompletableFuture.failedFuture(new HistoryGapException(channel, "offset " + afterOffset + " is unknown"));
        }
        synchronized (history) {
            return history.after(channel, after, afterOffset, clock.millis());
        }
    }

    @Override
    public CompletionStage<String> latestOffset(String channel) {
        if (ruleFor(channel) == null) {
            return CompletableFuture.failedFuture(new HistoryGapException(channel, "channel " + channel + " keeps no history"));
        }
        ChannelHistory history = histories.get(channel);
        if (history == null) {
            return CompletableFuture.completedFuture("0-0");
        }
        synchronized (history) {
            return CompletableFuture.completedFuture(history.latestOffset);
        }
    }

    @Override
    public Presence presence() {
        return presence;
    }

    private HistoryRule ruleFor(String channel) {
        return HistoryRule.forChannel(historyRules, channel).orElse(null);
    }

    private static long sequenceOf(String offset) {
        Event.compareOffsets(offset, "0-0");
        return Long.parseLong(offset.substring(offset.indexOf('-') + 1));
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

    /** One channel's retained events; guarded by its own monitor. */
    private static final class ChannelHistory {
        private final HistoryRule rule;
        private final ArrayDeque<Retained> events = new ArrayDeque<>();
        private long sequence;
        private long lastMillis;
        private String latestOffset = "0-0";

        ChannelHistory(HistoryRule rule) {
            this.rule = rule;
        }

        Event append(Event event, long now) {
            lastMillis = Math.max(lastMillis, now);
            sequence++;
            latestOffset = lastMillis + "-" + sequence;
            Event withOffset = event.withOffset(latestOffset);
            events.addLast(new Retained(withOffset, sequence, now));
            trim(now);
            return withOffset;
        }

        CompletionStage<List<Event>> after(String channel, long after, String afterOffset, long now) {
            trim(now);
            if (after > sequence) {
                return CompletableFuture.failedFuture(new HistoryGapException(channel, "offset " + afterOffset + " is unknown"));
            }
            long oldestKept = events.isEmpty() ? sequence + 1 : events.peekFirst().sequence();
            if (after + 1 < oldestKept) {
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
