package dev.tollgate.plugin.discoveryredis.internal;

import dev.tollgate.api.redis.RedisSettings;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.SingleServerConfig;
import org.redisson.config.SslVerificationMode;

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
 * event-bridge-redis's {@code RedissonConfigs}: the plugins share no code (each bundles its own
 * Redisson), so keep the two in step. What is this plugin's own is the client's shape: strings as
 * values, small pools and two threads (discovery sends a few commands per refresh), every command
 * to the master (the read script also removes expired entries), and no retries inside Redisson
 * (the discovery retries with its own back-off).
 *
 * <p>Creating a client from the result connects, blocking until connected or failed, and reads
 * the TLS stores: do it on a blocking executor. (Redisson's lazy initialisation is not used: it
 * connects, blocking, inside the first asynchronous call instead.)
 */
public final class RedissonConfigs {
    private RedissonConfigs() {
    }

    /** The discovery's client for {@code redis}, named {@code clientName} in {@code CLIENT LIST}. */
    public static Config create(RedisSettings redis, String clientName) {
        requireNonNull(redis, "redis is null");
        requireNonNull(clientName, "clientName is null");
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.setUseThreadClassLoader(false);
        config.setNettyThreads(2);
        config.setThreads(2);
        BaseConfig<?> server = switch (redis.mode()) {
            case SINGLE -> single(config.useSingleServer(), redis)
                    .setConnectionMinimumIdleSize(1)
                    .setConnectionPoolSize(4)
                    .setSubscriptionConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(8);
            case SENTINEL -> sentinel(config.useSentinelServers(), redis)
                    .setReadMode(ReadMode.MASTER)
                    .setMasterConnectionMinimumIdleSize(1)
                    .setMasterConnectionPoolSize(4)
                    .setSlaveConnectionMinimumIdleSize(1)
                    .setSlaveConnectionPoolSize(4)
                    .setSubscriptionConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(8);
            case CLUSTER -> cluster(config.useClusterServers(), redis)
                    .setReadMode(ReadMode.MASTER)
                    .setMasterConnectionMinimumIdleSize(1)
                    .setMasterConnectionPoolSize(4)
                    .setSlaveConnectionMinimumIdleSize(1)
                    .setSlaveConnectionPoolSize(4)
                    .setSubscriptionConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(8);
        };
        connection(server, redis);
        server.setClientName(clientName).setRetryAttempts(0);
        return config;
    }

    // ---- The connection: the same in event-bridge-redis's RedissonConfigs.

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
