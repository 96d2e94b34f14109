package dev.tollgate.runtime.event;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
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
 */
public final class InMemoryEventBus implements EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryEventBus.class);

    private final Map<String, CopyOnWriteArrayList<EventListener>> channels = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<PatternListener> patterns = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Void> publish(String channel, ByteBuffer payload) {
        requireNonNull(channel, "channel is null");
        deliver(Event.of(channel, requireNonNull(payload, "payload is null")));
        return CompletableFuture.completedFuture(null);
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
        PatternListener entry = new PatternListener(GlobPattern.compile(requireNonNull(pattern, "pattern is null")),
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

    private record PatternListener(GlobPattern pattern, EventListener listener) {
    }
}
