package dev.tollgate.plugin.support.redis;

import dev.tollgate.api.redis.RedisSettings;
import org.redisson.config.BaseConfig;
import org.redisson.config.BaseMasterSlaveServersConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
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
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * A Redisson {@link Config} for one {@link RedisSettings}, the one mapping of a
 * {@code gateway.redis} connection to Redisson: {@link #configure} applies the connection, the
 * plugin then adds its client's own shape and takes {@link #config()}.
 *
 * <p>The connection is everything {@link RedisSettings} holds: the mode with its address(es),
 * master name and database, credentials (the Sentinels' own too), connect and command timeouts
 * (the command timeout also bounds subscribing), reconnection with jitter, pings and TLS; plus the
 * client's name in {@code CLIENT LIST}, and Redisson set to load classes from the plugin's own
 * class loader rather than the calling thread's (a gateway thread's context class loader is the
 * runtime's, which sees none of the plugin's classes).
 *
 * <p>The shape is the plugin's: codec, threads and listeners on {@link #config()}; pool sizes,
 * read and subscription modes, retries through {@link #single}, {@link #masterAndReplicas},
 * {@link #cluster} and {@link #everyMode}, each applied only when the connection's mode is one it
 * names, after the connection (so a plugin could override a connection setting; it should not).
 *
 * <pre>{@code
 * Config config = RedissonConnection.configure(redis, "tollgate-discovery")
 *         .single(server -> server.setConnectionPoolSize(4))
 *         .masterAndReplicas(servers -> servers.setReadMode(ReadMode.MASTER).setMasterConnectionPoolSize(4))
 *         .everyMode(server -> server.setRetryAttempts(0))
 *         .config();
 * config.setCodec(StringCodec.INSTANCE);
 * }</pre>
 *
 * <p>{@link #configure} reads the TLS trust and key stores from their files; creating a client
 * from the result connects, blocking until connected or failed. Do both on a blocking executor.
 * Not thread-safe: one thread prepares a configuration.
 */
public final class RedissonConnection {
    private final RedisSettings redis;
    private final Config config;
    private final BaseConfig<?> server;

    private RedissonConnection(RedisSettings redis, Config config, BaseConfig<?> server) {
        this.redis = redis;
        this.config = config;
        this.server = server;
    }

    /**
     * A new Redisson configuration with the connection {@code redis} applied, whose connections
     * are named {@code clientName} in {@code CLIENT LIST}.
     *
     * @throws IllegalStateException when a TLS trust or key store cannot be read or used
     */
    public static RedissonConnection configure(RedisSettings redis, String clientName) {
        requireNonNull(redis, "redis is null");
        requireNonNull(clientName, "clientName is null");
        Config config = new Config();
        config.setUseThreadClassLoader(false);
        BaseConfig<?> server = switch (redis.mode()) {
            case SINGLE -> config.useSingleServer()
                    .setAddress(redis.address())
                    .setDatabase(redis.database());
            case SENTINEL -> sentinel(config.useSentinelServers(), redis);
            case CLUSTER -> cluster(config.useClusterServers(), redis);
        };
        server.setClientName(clientName)
                .setUsername(redis.username().orElse(null))
                .setPassword(redis.password().orElse(null))
                .setConnectTimeout(millis(redis.connectTimeout()))
                .setTimeout(millis(redis.timeout()))
                .setSubscriptionTimeout(millis(redis.timeout()))
                .setReconnectionDelay(new EqualJitterDelay(redis.reconnect().minDelay(), redis.reconnect().maxDelay()))
                .setPingConnectionInterval(millis(redis.pingInterval()))
                .setSslVerificationMode(redis.tls().hostnameVerification() ? SslVerificationMode.STRICT : SslVerificationMode.CA_ONLY);
        redis.tls().trustStore().ifPresent(store -> server.setSslTrustManagerFactory(trustManagers(store)));
        redis.tls().keyStore().ifPresent(store -> server.setSslKeyManagerFactory(keyManagers(store)));
        return new RedissonConnection(redis, config, server);
    }

    /** The configuration, for the plugin's codec, threads and listeners and for creating the client. */
    public Config config() {
        return config;
    }

    /** Applies {@code settings} (pool sizes) to the server in single mode; nothing in the others. */
    public RedissonConnection single(Consumer<? super SingleServerConfig> settings) {
        return applyIf(redis.mode() == RedisSettings.Mode.SINGLE, settings);
    }

    /**
     * Applies {@code settings} (read and subscription modes, the masters' and replicas' pool
     * sizes) to the servers in sentinel and cluster modes; nothing in single mode.
     */
    public RedissonConnection masterAndReplicas(Consumer<? super BaseMasterSlaveServersConfig<?>> settings) {
        return applyIf(redis.mode() != RedisSettings.Mode.SINGLE, settings);
    }

    /** Applies {@code settings} (sharded pub/sub, say) to the cluster in cluster mode; nothing in the others. */
    public RedissonConnection cluster(Consumer<? super ClusterServersConfig> settings) {
        return applyIf(redis.mode() == RedisSettings.Mode.CLUSTER, settings);
    }

    /** Applies {@code settings} (retries, subscriptions per connection) to the server(s), whatever the mode. */
    public RedissonConnection everyMode(Consumer<? super BaseConfig<?>> settings) {
        return applyIf(true, settings);
    }

    /** {@code inThisMode} guarantees that {@link #server} is a {@code T}: the type {@link #configure} chose for the mode. */
    @SuppressWarnings("unchecked")
    private <T extends BaseConfig<?>> RedissonConnection applyIf(boolean inThisMode, Consumer<? super T> settings) {
        requireNonNull(settings, "settings is null");
        if (inThisMode) {
            settings.accept((T) server);
        }
        return this;
    }

    private static SentinelServersConfig sentinel(SentinelServersConfig sentinel, RedisSettings redis) {
        sentinel.setMasterName(redis.masterName())
                .setDatabase(redis.database())
                .setSentinelUsername(redis.sentinelUsername().orElse(null))
                .setSentinelPassword(redis.sentinelPassword().orElse(null))
                // One reachable Sentinel is enough to find the master.
                .setCheckSentinelsList(false);
        sentinel.setSentinelAddresses(new ArrayList<>(redis.addresses()));
        return sentinel;
    }

    private static ClusterServersConfig cluster(ClusterServersConfig cluster, RedisSettings redis) {
        cluster.setNodeAddresses(new ArrayList<>(redis.addresses()));
        return cluster;
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
