package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedissonConnection;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.ShardedSubscriptionMode;
import org.redisson.config.SubscriptionMode;
import org.redisson.connection.ConnectionListener;

import static java.util.Objects.requireNonNull;

/**
 * The one place this plugin turns {@link RedisSettings} into a Redisson {@link Config}.
 *
 * <p>The connection is mapped by {@link RedissonConnection}, shared with the other Redis plugins.
 * What is this plugin's own is the client's shape ({@link RedisBridgeSettings.Client}): payloads
 * as bytes, pool sizes and threads from the bridge's settings, Redisson's connection events to the
 * given listener, reads and subscriptions on the master(s), plain (not sharded) pub/sub in a
 * cluster so that a backend's {@code PUBLISH} on any node reaches every subscriber, and never a
 * command resent (a resent {@code PUBLISH} could be delivered twice).
 *
 * <p>Creating the configuration reads the TLS stores, and creating a client from it connects,
 * blocking: the bridge does both on the runtime's blocking executor.
 */
public final class RedissonConfigs {
    private RedissonConfigs() {
    }

    /** The bridge's client for {@code redis}, named {@code clientName} in {@code CLIENT LIST}. */
    public static Config create(RedisSettings redis, RedisBridgeSettings.Client client, String clientName, ConnectionListener events) {
        requireNonNull(client, "client is null");
        requireNonNull(events, "events is null");
        Config config = RedissonConnection.configure(redis, clientName)
                .single(server -> server
                        .setConnectionPoolSize(client.connections())
                        .setConnectionMinimumIdleSize(client.connections())
                        .setSubscriptionConnectionPoolSize(client.subscriptionConnections())
                        .setSubscriptionConnectionMinimumIdleSize(1))
                .masterAndReplicas(servers -> servers
                        .setReadMode(ReadMode.MASTER)
                        .setSubscriptionMode(SubscriptionMode.MASTER)
                        .setMasterConnectionPoolSize(client.connections())
                        .setMasterConnectionMinimumIdleSize(client.connections())
                        .setSubscriptionConnectionPoolSize(client.subscriptionConnections())
                        .setSubscriptionConnectionMinimumIdleSize(1))
                .cluster(cluster -> cluster.setShardedSubscriptionMode(ShardedSubscriptionMode.OFF))
                .everyMode(server -> server
                        // Never resend: a PUBLISH resent after a response timeout could be delivered twice.
                        .setRetryAttempts(0)
                        // With no retries, this is how long a subscription waits for a new pub/sub connection.
                        .setRetryDelay(new ConstantDelay(redis.connectTimeout()))
                        .setSubscriptionsPerConnection(client.subscriptionsPerConnection()))
                .config();
        config.setCodec(ByteArrayCodec.INSTANCE);
        config.setNettyThreads(client.ioThreads());
        config.setThreads(client.listenerThreads());
        config.setUseScriptCache(true);
        config.setReferenceEnabled(false);
        config.setKeepPubSubOrder(true);
        config.setConnectionListener(events);
        return config;
    }
}
