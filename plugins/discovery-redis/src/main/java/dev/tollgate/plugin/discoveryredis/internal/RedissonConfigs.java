package dev.tollgate.plugin.discoveryredis.internal;

import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedissonConnection;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * The one place this plugin turns {@link RedisSettings} into a Redisson {@link Config}.
 *
 * <p>The connection is mapped by {@link RedissonConnection}, shared with the other Redis plugins.
 * What is this plugin's own is the client's shape: strings as values, small pools and two threads
 * (discovery sends a few commands per refresh), every command to the master (the read script also
 * removes expired entries), and no retries inside Redisson (the discovery retries with its own
 * back-off).
 *
 * <p>Creating the configuration reads the TLS stores, and creating a client from it connects,
 * blocking until connected or failed: do both on a blocking executor. (Redisson's lazy
 * initialisation is not used: it connects, blocking, inside the first asynchronous call instead.)
 */
public final class RedissonConfigs {
    private RedissonConfigs() {
    }

    /** The discovery's client for {@code redis}, named {@code clientName} in {@code CLIENT LIST}. */
    public static Config create(RedisSettings redis, String clientName) {
        Config config = RedissonConnection.configure(redis, clientName)
                .single(server -> server
                        .setConnectionMinimumIdleSize(1)
                        .setConnectionPoolSize(4)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(8))
                .masterAndReplicas(servers -> servers
                        .setReadMode(ReadMode.MASTER)
                        .setMasterConnectionMinimumIdleSize(1)
                        .setMasterConnectionPoolSize(4)
                        .setSlaveConnectionMinimumIdleSize(1)
                        .setSlaveConnectionPoolSize(4)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(8))
                .everyMode(server -> server.setRetryAttempts(0))
                .config();
        config.setCodec(StringCodec.INSTANCE);
        config.setNettyThreads(2);
        config.setThreads(2);
        return config;
    }
}
