package dev.tollgate.runtime.plugin;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.Subscription;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * A plugin's view of the gateway's event bus: listeners are called with the subscribing
 * plugin's class loader as context loader; everything else (history, presence) is the bus's
 * own. The bus is looked up on each call because the bridge (itself a plugin) is created before
 * the other components.
 */
final class PluginEventBus implements EventBus {
    private final Supplier<EventBus> bus;
    private final ClassLoader loader;

    PluginEventBus(Supplier<EventBus> bus, ClassLoader loader) {
        this.bus = requireNonNull(bus, "bus is null");
        this.loader = requireNonNull(loader, "loader is null");
    }

    @Override
    public CompletionStage<Void> publish(String channel, ByteBuffer payload) {
        return bus().publish(channel, payload);
    }

    @Override
    public Subscription subscribe(String channel, EventListener listener) {
        return bus().subscribe(channel, wrap(listener));
    }

    @Override
    public Subscription subscribePattern(String pattern, EventListener listener) {
        return bus().subscribePattern(pattern, wrap(listener));
    }

    @Override
    public boolean keepsHistory(String channel) {
        return bus().keepsHistory(channel);
    }

    @Override
    public CompletionStage<List<Event>> history(String channel, String afterOffset) {
        return bus().history(channel, afterOffset);
    }

    @Override
    public CompletionStage<String> latestOffset(String channel) {
        return bus().latestOffset(channel);
    }

    @Override
    public Presence presence() {
        return bus().presence();
    }

    private EventBus bus() {
        EventBus current = bus.get();
        if (current == null) {
            throw new IllegalStateException("the event bus is not available while the event bridge itself is being created");
        }
        return current;
    }

    private EventListener wrap(EventListener listener) {
        requireNonNull(listener, "listener is null");
        if (loader == PluginEventBus.class.getClassLoader()) {
            // A plugin on the gateway's own class path: nothing to switch.
            return listener;
        }
        return event -> {
            ClassLoader previous = ContextClassLoader.enter(loader);
            try {
                listener.onEvent(event);
            }
            finally {
                ContextClassLoader.exit(previous);
            }
        };
    }
}
