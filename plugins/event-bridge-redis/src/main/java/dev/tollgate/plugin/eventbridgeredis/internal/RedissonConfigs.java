package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.redis.RedisSettings;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.ShardedSubscriptionMode;
import org.redisson.config.SingleServerConfig;
import org.redisson.config.SslVerificationMode;
import org.redisson.config.SubscriptionMode;
import org.redisson.connection.ConnectionListener;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;

import static java.util.Objects.requireNonNull;

/**
 * The one place this plugin turns {@link RedisSettings} into a Redisson {@link Config}.
 *
 * <p>The connection ({@link #connection} and the three server modes) is mapped exactly as in
 * discovery-redis's {@code RedissonConfigs}: the plugins share no code (each bundles its own
 * Redisson), so keep the two in step. What is this plugin's own is the client's shape
 * ({@link RedisBridgeSettings.Client}): payloads as bytes, pool sizes and threads from the bridge's
 * settings, Redisson's connection events to the given listener, reads and subscriptions on the
 * master(s), plain (not sharded) pub/sub in a cluster so that a backend's {@code PUBLISH} on any
 * node reaches every subscriber, and never a command resent (a resent {@code PUBLISH} could be
 * delivered twice).
 *
 * <p>Creating a client from the result connects, blocking, and reads the TLS stores: the bridge
 * does it on the runtime's blocking executor.
 */
public final class RedissonConfigs {
    private RedissonConfigs() {
    }

    /** The bridge's client for {@code redis}, named {@code clientName} in {@code CLIENT LIST}. */
    public static Config create(RedisSettings redis, RedisBridgeSettings.Client client, String clientName, ConnectionListener events) {
        requireNonNull(redis, "redis is null");
        requireNonNull(client, "client is null");
        requireNonNull(clientName, "clientName is null");
        requireNonNull(events, "events is null");
        Config config = new Config();
        config.setCodec(ByteArrayCodec.INSTANCE);
        config.setNettyThreads(client.ioThreads());
        config.setThreads(client.listenerThreads());
        config.setUseScriptCache(true);
        config.setUseThreadClassLoader(false);
        config.setReferenceEnabled(false);
        config.setKeepPubSubOrder(true);
        config.setConnectionListener(events);
        BaseConfig<?> server = switch (redis.mode()) {
            case SINGLE -> single(config.useSingleServer(), redis)
                    .setConnectionPoolSize(client.connections())
                    .setConnectionMinimumIdleSize(client.connections())
                    .setSubscriptionConnectionPoolSize(client.subscriptionConnections())
                    .setSubscriptionConnectionMinimumIdleSize(1);
            case SENTINEL -> sentinel(config.useSentinelServers(), redis)
                    .setReadMode(ReadMode.MASTER)
                    .setSubscriptionMode(SubscriptionMode.MASTER)
                    .setMasterConnectionPoolSize(client.connections())
                    .setMasterConnectionMinimumIdleSize(client.connections())
                    .setSubscriptionConnectionPoolSize(client.subscriptionConnections())
                    .setSubscriptionConnectionMinimumIdleSize(1);
            case CLUSTER -> cluster(config.useClusterServers(), redis)
                    .setReadMode(ReadMode.MASTER)
                    .setSubscriptionMode(SubscriptionMode.MASTER)
                    .setShardedSubscriptionMode(ShardedSubscriptionMode.OFF)
                    .setMasterConnectionPoolSize(client.connections())
                    .setMasterConnectionMinimumIdleSize(client.connections())
                    .setSubscriptionConnectionPoolSize(client.subscriptionConnections())
                    .setSubscriptionConnectionMinimumIdleSize(1);
        };
        connection(server, redis);
        server.setClientName(clientName)
                // Never resend: a PUBLISH resent after a response timeout could be delivered twice.
                .setRetryAttempts(0)
                // With no retries, this is how long a subscription waits for a new pub/sub connection.
                .setRetryDelay(new ConstantDelay(redis.connectTimeout()))
                .setSubscriptionsPerConnection(client.subscriptionsPerConnection());
        return config;
    }

    // ---- The connection: the same in discovery-redis's RedissonConfigs.

    static SingleServerConfig single(SingleServerConfig single, RedisSettings redis) {
        return single.setAddress(redis.address()).setDatabase(redis.database());
    }

    static SentinelServersConfig sentinel(SentinelServersConfig sentinel, RedisSettings redis) {
        sentinel.setMasterName(redis.masterName())
                .setDatabase(redis.database())
                .setSentinelUsername(redis.sentinelUsername().orElse(null))
                .setSentinelPassword(redis.sentinelPassword().orElse(null))
                // One reachable Sentinel is enough to find the master.
                .setCheckSentinelsList(false);
        sentinel.setSentinelAddresses(new ArrayList<>(redis.addresses()));
        return sentinel;
    }

    static ClusterServersConfig cluster(ClusterServersConfig cluster, RedisSettings redis) {
        cluster.setNodeAddresses(new ArrayList<>(redis.addresses()));
        return cluster;
    }

    /** Credentials, timeouts, reconnection, pings and TLS, as every server mode takes them. */
    static void connection(BaseConfig<?> server, RedisSettings redis) {
        server.setUsername(redis.username().orElse(null))
                .setPassword(redis.password().orElse(null))
                .setConnectTimeout(millis(redis.connectTimeout()))
                .setTimeout(millis(redis.timeout()))
                .setSubscriptionTimeout(millis(redis.timeout()))
                .setReconnectionDelay(new EqualJitterDelay(redis.reconnect().minDelay(), redis.reconnect().maxDelay()))
                .setPingConnectionInterval(millis(redis.pingInterval()))
                .setSslVerificationMode(redis.tls().hostnameVerification() ? SslVerificationMode.STRICT : SslVerificationMode.CA_ONLY);
        redis.tls().trustStore().ifPresent(store -> server.setSslTrustManagerFactory(trustManagers(store)));
        redis.tls().keyStore().ifPresent(store -> server.setSslKeyManagerFactory(keyManagers(store)));
    }

    private static TrustManagerFactory trustManagers(RedisSettings.Store store) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(load(store));
            return factory;
        }
        catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot use the trust store " + store.path() + ": " + e.getMessage(), e);
        }
    }

    private static KeyManagerFactory keyManagers(RedisSettings.Store store) {
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(load(store), store.password().orElse("").toCharArray());
            return factory;
        }
        catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot use the key store " + store.path() + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore load(RedisSettings.Store store) throws GeneralSecurityException, IOException {
        KeyStore keyStore = KeyStore.getInstance(store.type());
        try (InputStream in = Files.newInputStream(store.path())) {
            keyStore.load(in, store.password().map(String::toCharArray).orElse(null));
        }
        return keyStore;
    }

    /** Redisson's milliseconds; the runtime keeps durations within an hour. */
    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
