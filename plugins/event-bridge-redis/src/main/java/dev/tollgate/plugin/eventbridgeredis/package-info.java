/**
 * The Redis event bridge: the gateway's {@link dev.tollgate.api.event.EventBus} over Redis, so
 * that an event published anywhere (a backend's {@code PUBLISH}, any gateway instance) reaches
 * the subscribers on every instance once, with history in Redis Streams and presence shared by
 * the instances. Selected with {@code gateway.events { bridge = redis, redis { … } }}.
 *
 * <p>Only {@link dev.tollgate.plugin.eventbridgeredis.RedisEventBridgePlugin} and its factory are
 * public; the implementation is in {@code internal}. The module's README describes the
 * configuration, the channel mapping, how backends publish to history channels, and what
 * happens while Redis is unreachable.
 */
package dev.tollgate.plugin.eventbridgeredis;
