package dev.tollgate.plugin.ratelimit.internal;

import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.plugin.support.redis.RedissonConnection;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The plugin's Redisson client for one {@code gateway.redis} connection, shared by every filter
 * using it ({@code PluginContext.shared}, keyed by {@link Key}).
 *
 * <p>Redisson's {@code create} connects and blocks, so the client is created in the background on
 * the runtime's blocking executor, retried with the connection's reconnection delay until it
 * succeeds: the gateway starts while Redis is down, and decisions meanwhile are store failures
 * (answered per {@code on-store-failure}). Once created, Redisson reconnects by itself.
 */
public final class RedisConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);
    private static final String CLIENT_NAME = "tollgate-rate-limit";

    /** The key of the shared resource: equal settings share one client. */
    public record Key(RedisSettings redis) {
        public Key {
            requireNonNull(redis, "redis is null");
        }
    }

    private final RedisSettings redis;
    private final Executor blockingExecutor;
    private final ScheduledExecutorService scheduler;
    private volatile RedissonClient client;
    private volatile RScript script;
    private volatile boolean closed;
    private boolean connectFailureLogged;

    private RedisConnection(RedisSettings redis, Executor blockingExecutor, ScheduledExecutorService scheduler) {
        this.redis = redis;
        this.blockingExecutor = blockingExecutor;
        this.scheduler = scheduler;
    }

    /** Starts connecting in the background and returns at once. */
    public static RedisConnection start(RedisSettings redis, Executor blockingExecutor, ScheduledExecutorService scheduler) {
        RedisConnection connection = new RedisConnection(requireNonNull(redis, "redis is null"),
                requireNonNull(blockingExecutor, "blockingExecutor is null"), requireNonNull(scheduler, "scheduler is null"));
        connection.submitConnect();
        return connection;
    }

    /** The script API, or null while not connected yet. */
    public RScript script() {
        return script;
    }

    private void submitConnect() {
        if (closed) {
            return;
        }
        try {
            blockingExecutor.execute(this::connect);
        }
        catch (RejectedExecutionException e) {
            LOG.warn("Cannot schedule the connection to Redis ({}): rate-limit decisions fail as configured by on-store-failure",
                    e.getMessage());
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        Thread thread = Thread.currentThread();
        ClassLoader previousLoader = thread.getContextClassLoader();
        // Redisson's and Netty's threads inherit this loader: the plugin's, wherever this runs.
        thread.setContextClassLoader(RedisConnection.class.getClassLoader());
        RedissonClient created;
        try {
            Config config = RedissonConnection.configure(redis, CLIENT_NAME)
                    // A resent script could count a request twice; and no retry fits in store-timeout.
                    .everyMode(server -> server.setRetryAttempts(0))
                    .config();
            config.setCodec(StringCodec.INSTANCE);
            created = Redisson.create(config);
        }
        catch (RuntimeException e) {
            synchronized (this) {
                if (!connectFailureLogged) {
                    connectFailureLogged = true;
                    LOG.warn("Cannot connect to Redis for rate limits ({}); retrying", e.toString());
                }
            }
            try {
                scheduler.schedule(this::submitConnect, redis.reconnect().minDelay().toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (RejectedExecutionException rejected) {
                LOG.debug("Not retrying the connection: the scheduler is shut down");
            }
            return;
        }
        finally {
            thread.setContextClassLoader(previousLoader);
        }
        synchronized (this) {
            if (closed) {
                created.shutdown(0, redis.timeout().toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            client = created;
            script = created.getScript(StringCodec.INSTANCE);
        }
        LOG.info("Connected to Redis for rate limits ({})", redis.mode().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public synchronized void close() {
        closed = true;
        script = null;
        if (client != null) {
            client.shutdown(0, redis.timeout().toMillis(), TimeUnit.MILLISECONDS);
            client = null;
        }
    }
}
