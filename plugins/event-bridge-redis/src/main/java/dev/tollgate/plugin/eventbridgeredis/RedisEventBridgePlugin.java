package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.event.EventBridgeFactory;

import java.util.List;

/**
 * The Redis event bridge plugin, registered in {@code META-INF/services/dev.tollgate.api.Plugin}:
 * one event bridge, {@code redis}, selected with {@code gateway.events.bridge = redis}.
 */
public final class RedisEventBridgePlugin implements Plugin {
    @Override
    public Iterable<EventBridgeFactory> eventBridgeFactories() {
        return List.of(new RedisEventBridgeFactory());
    }
}
