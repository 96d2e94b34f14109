package dev.tollgate.plugin.eventbridgeredis.internal;

import org.redisson.Redisson;
import org.redisson.api.NodeType;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.connection.ConnectionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * Owns the Redisson client and knows whether Redis is reachable.
 *
 * <p>The first connection is made in the background, on the runtime's blocking executor
 * (Redisson's connect blocks), and retried with the reconnection back-off until it succeeds, so
 * that the gateway starts, and keeps its local event delivery, while Redis is down. Once the
 * client exists, Redisson itself reconnects lost connections with that back-off and subscribes
 * its subscriptions again.
 *
 * <p>Redis counts as lost when a connection to a master closes (Redisson's connection events) or
 * a probe (a trivial script, every {@code probe-interval}) fails; as reachable again when a probe
 * succeeds. A reconnection event triggers a probe at once. Each change is logged once, and each
 * time Redis becomes reachable the {@link Listener} is told (on a Redisson or runtime thread).
 */
public final class RedisConnector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
    private static final String CLIENT_NAME = "tollgate-event-bridge";

    private final RedisBridgeSettings settings;
    private final ConnectionState state;
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private final Listener listener;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile RedissonClient client;
    private volatile RScript probeScript;
    private volatile boolean closed;
    private ScheduledFuture<?> probeTask;
    private int connectAttempts;

    public RedisConnector(RedisBridgeSettings settings, ConnectionState state, ScheduledExecutorService scheduler,
            Executor blockingExecutor, Listener listener) {
        this.settings = requireNonNull(settings, "settings is null");
        this.state = requireNonNull(state, "state is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.blockingExecutor = requireNonNull(blockingExecutor, "blockingExecutor is null");
        this.listener = requireNonNull(listener, "listener is null");
    }

    /** Told when Redis becomes reachable. */
    public interface Listener {
        /**
         * Redis answers: for the first time, or again after an outage. Must not block.
         *
         * @param afterOutage whether a connection existed before (a recovery), not the first one
         */
        void reachable(boolean afterOutage);
    }

    /** Starts connecting in the background; returns at once. */
    public void start() {
        submitConnect();
    }

    /** The client, or {@code null} until the first connection succeeded (and after {@link #close()}). */
    public RedissonClient client() {
        return client;
    }

    public ConnectionState state() {
        return state;
    }

    /** Records that an operation found Redis unreachable. */
    public void lost(String reason) {
        if (state.lost(reason)) {
            LOG.warn("Redis is unreachable ({}): events reach this instance's subscribers only until it is back; reconnecting",
                    reason);
        }
    }

    private void reachable() {
        boolean everConnected = state.everConnected();
        if (state.reachable()) {
            if (everConnected) {
                LOG.info("Redis is reachable again ({}): events cross gateway instances again", settings.addresses());
            }
            else {
                LOG.info("Connected to Redis ({}, {})", settings.redis().mode().name().toLowerCase(java.util.Locale.ROOT), settings.addresses());
            }
            listener.reachable(everConnected);
        }
    }

    private void submitConnect() {
        if (closed) {
            return;
        }
        try {
            blockingExecutor.execute(this::connect);
        }
        catch (RejectedExecutionException e) {
            if (!closed) {
                lost("cannot schedule the connection: " + e.getMessage());
            }
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        RedissonClient created;
        Thread thread = Thread.currentThread();
        ClassLoader previousLoader = thread.getContextClassLoader();
        // Redisson's and Netty's threads inherit this loader: the plugin's, wherever this runs.
        thread.setContextClassLoader(RedisConnector.class.getClassLoader());
        try {
            created = Redisson.create(RedissonConfigs.create(settings.redis(), settings.client(), CLIENT_NAME, new ConnectionEvents()));
        }
        catch (LinkageError e) {
            // A class missing from the plugin jar: no retry can help.
            LOG.error("Cannot create the Redis client: the plugin is incomplete; events reach this instance's subscribers only", e);
            state.lost("cannot create the Redis client: " + e);
            return;
        }
        catch (RuntimeException e) {
            String reason = "cannot connect to " + settings.addresses() + ": " + RedisFailures.describe(e);
            boolean first;
            Duration delay;
            synchronized (this) {
                first = connectAttempts == 0;
                delay = settings.backOff(connectAttempts++);
            }
            if (first) {
                LOG.warn("Redis is unreachable ({}): events reach this instance's subscribers only until it is; retrying", reason);
            }
            else {
                LOG.debug("Redis still unreachable: {}", reason);
            }
            state.lost(reason);
            scheduleQuietly(this::submitConnect, delay);
            return;
        }
        finally {
            thread.setContextClassLoader(previousLoader);
        }
        synchronized (this) {
            if (closed) {
                created.shutdown(0, settings.redis().timeout().toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            client = created;
            probeScript = created.getScript(StringCodec.INSTANCE);
            long interval = settings.client().probeInterval().toMillis();
            probeTask = scheduler.scheduleWithFixedDelay(this::probe, interval, interval, TimeUnit.MILLISECONDS);
        }
        reachable();
    }

    /** Checks now that Redis answers; does nothing while a probe is under way. */
    public void probe() {
        RScript script = probeScript;
        if (closed || script == null || !probing.compareAndSet(false, true)) {
            return;
        }
        try {
            script.<Long>evalAsync(RScript.Mode.READ_ONLY, "return 1", RScript.ReturnType.INTEGER).whenComplete((result, failure) -> {
                probing.set(false);
                if (closed) {
                    return;
                }
                if (failure == null) {
                    reachable();
                }
                else {
                    lost(RedisFailures.describe(failure));
                }
            });
        }
        catch (RuntimeException e) {
            probing.set(false);
            if (!closed) {
                lost(RedisFailures.describe(e));
            }
        }
    }

    private void scheduleQuietly(Runnable task, Duration delay) {
        try {
            scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException e) {
            if (!closed) {
                LOG.warn("Cannot schedule a Redis reconnection: {}", e.toString());
            }
        }
    }

    /** Shuts the client down; waits for its threads at most {@code timeout}. */
    @Override
    public void close() {
        RedissonClient current;
        synchronized (this) {
            closed = true;
            if (probeTask != null) {
                probeTask.cancel(false);
            }
            current = client;
            client = null;
            probeScript = null;
        }
        if (current != null) {
            current.shutdown(0, settings.redis().timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Redisson's connection events: a master's connection closed, or one (re)connected. */
    private final class ConnectionEvents implements ConnectionListener {
        @Override
        public void onConnect(InetSocketAddress address, NodeType nodeType) {
            if (nodeType == NodeType.MASTER && client != null) {
                // Confirm with a probe: one connection is back, the rest may follow.
                probe();
            }
        }

        @Override
        public void onDisconnect(InetSocketAddress address, NodeType nodeType) {
            if (nodeType == NodeType.MASTER && !closed) {
                lost("connection to " + address + " closed");
            }
        }

        @Override
        @Deprecated
        public void onConnect(InetSocketAddress address) {
            // Redisson calls the variant with the node type.
        }

        @Override
        @Deprecated
        public void onDisconnect(InetSocketAddress address) {
            // Redisson calls the variant with the node type.
        }
    }
}
