package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventBridgeFactory;
import dev.tollgate.plugin.eventbridgeredis.internal.RedisBridgeSettings;
import dev.tollgate.plugin.eventbridgeredis.internal.RedisEventBridge;

import java.util.Set;

/**
 * Creates the {@code redis} event bridge from {@code gateway.events.redis} (defaults in the
 * plugin's {@code reference.conf}, section {@code tollgate.bridges.redis}), over the
 * {@code gateway.redis} connection its {@code redis} key names ({@code default} unless written).
 *
 * <p>{@code create} validates the whole configuration, failing with an
 * {@link dev.tollgate.api.InvalidConfigException} that names the key, and returns at once: the
 * bridge connects to Redis in the background and works locally until it is connected, so the
 * gateway starts while Redis is down. The bridge needs the context's scheduler, blocking
 * executor, metrics and clock.
 */
public final class RedisEventBridgeFactory implements EventBridgeFactory {
    @Override
    public String name() {
        return "redis";
    }

    @Override
    public EventBridge create(PluginConfig config, PluginContext context) {
        return RedisEventBridge.start(RedisBridgeSettings.read(config, context), context);
    }

    /** The deprecated connection keys' passwords; those of gateway.redis are the runtime's. */
    @Override
    public Set<String> sensitiveKeys() {
        return Set.of("password", "sentinel-password");
    }
}
