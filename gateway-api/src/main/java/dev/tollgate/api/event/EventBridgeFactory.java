package dev.tollgate.api.event;

import dev.tollgate.api.ComponentFactory;

/**
 * Creates the gateway's event bus when {@code gateway.events.bridge} names this factory. The
 * configuration is {@code gateway.events.<name>} merged over the plugin's
 * {@code reference.conf} section {@code tollgate.bridges.<name>}. At most one bridge exists per gateway.
 */
public interface EventBridgeFactory extends ComponentFactory<EventBridge> {
}
