/**
 * The Redis event bridge's implementation: {@link dev.tollgate.plugin.eventbridgeredis.internal.RedisEventBridge}
 * composes the connection ({@code RedisConnector}, {@code ConnectionState}), the reference-counted
 * subscriptions ({@code SubscriptionTable}) within their capacity ({@code SubscriptionCapacity}), the bounded lanes whose threads call the listeners
 * ({@code DeliveryLanes}), ordered publishing ({@code PublishSequencer}), history
 * ({@code HistoryStore}, {@code HistoryEnvelope}, the Lua scripts) and presence ({@code RedisPresence}).
 *
 * <p>Everything talks to Redis through Redisson's asynchronous API with a byte-array codec
 * (payloads pass through untouched); nothing waits for Redis on a caller's, a Redisson or a Netty
 * thread, and no listener runs on one. Redisson's blocking first connection runs on the runtime's
 * blocking executor.
 */
package dev.tollgate.plugin.eventbridgeredis.internal;
