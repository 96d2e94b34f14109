package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.HistoryGapException;
import dev.tollgate.api.event.HistoryRule;
import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.metrics.Metrics;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The event bus over Redis. See the package documentation and the module's README for the
 * protocol; in short:
 *
 * <ul>
 * <li><b>Delivery.</b> A publication goes to Redis ({@code PUBLISH}, or {@code publish.lua} for a
 *     history channel) and reaches this instance's listeners back through its Redis subscription,
 *     exactly like a backend's {@code PUBLISH}; it is never also delivered locally, so it arrives
 *     once. Each channel and pattern with local listeners holds one Redis subscription, released
 *     with the last listener ({@link SubscriptionTable}); a subscription is active once Redis
 *     confirmed it, and one for which the {@link SubscriptionCapacity} has no room is refused,
 *     visibly. Publications of one channel reach Redis in the order they were made
 *     ({@link PublishSequencer}).</li>
 * <li><b>Redis unreachable.</b> A publication is delivered to this instance's own listeners (the
 *     channel's and the matching patterns') and its stage fails with {@code UNAVAILABLE}, saying
 *     so: the caller learns that other instances did not get it. The same happens when a send
 *     fails in a way that proves Redis did not take it; after a response timeout (outcome
 *     unknown) the stage fails without local delivery, since Redis may have delivered it.
 *     Reconnection, re-subscription and the health report are the {@link RedisConnector}'s.</li>
 * <li><b>Listeners.</b> Events from Redis, and local deliveries while Redis is unreachable, are
 *     handed to the {@link DeliveryLanes}, whose threads call the listeners: a slow listener never
 *     holds up Redisson's threads or a publisher, one channel's events stay in order, and a lane
 *     that fills up drops events (counted) instead of growing. The bridge reports itself
 *     {@code DEGRADED} for a minute after a drop, or after refusing a subscription.</li>
 * <li><b>History.</b> {@link HistoryStore}; the live event carries its offset.</li>
 * <li><b>Presence.</b> {@link RedisPresence}.</li>
 * </ul>
 *
 * <p>Thread-safe; no method waits for Redis except {@link #close()}, which waits at most the
 * configured {@code timeout} for this instance's presence members to be removed and the client to
 * stop. Stages complete on Redisson's threads; listeners are called on the delivery lanes' threads.
 */
public final class RedisEventBridge implements EventBridge {
    private static final Logger LOG = LoggerFactory.getLogger(RedisEventBridge.class);
    /** How long the bridge reports itself degraded after its delivery lanes dropped an event, or it refused a subscription. */
    private static final Duration DEGRADE_FOR = Duration.ofMinutes(1);

    private final RedisBridgeSettings settings;
    private final ChannelNames names;
    private final ConnectionState state;
    private final DeliveryLanes lanes;
    private final RedisConnector connector;
    private final SubscriptionCapacity capacity;
    private final SubscriptionTable channels;
    private final SubscriptionTable patterns;
    private final PublishSequencer sequencer = new PublishSequencer();
    private final HistoryStore history;
    private final RedisPresence presence;
    private final Metrics.Counter published;
    private final Metrics.Counter publishFailures;
    private final Metrics.Counter received;
    private final Metrics.Counter deliveredLocally;
    private final Metrics.Counter reconnects;
    private volatile boolean closed;

    private RedisEventBridge(RedisBridgeSettings settings, ScheduledExecutorService scheduler, Executor blockingExecutor,
            Metrics metrics, Clock clock) {
        this.settings = settings;
        this.names = new ChannelNames(settings.channelPrefix(), settings.keyPrefix());
        this.state = new ConnectionState(clock);
        this.lanes = new DeliveryLanes(settings.delivery(), metrics, "tollgate-event-bridge");
        this.connector = new RedisConnector(settings, state, scheduler, blockingExecutor, this::reachable);
        LuaScripts scripts = LuaScripts.load();
        Function<Integer, Duration> backOff = settings::backOff;
        this.capacity = new SubscriptionCapacity(settings.client(), metrics);
        this.channels = new SubscriptionTable(SubscriptionTable.Kind.CHANNEL, connector, names::redisChannel, this::decode, scheduler, backOff,
                lanes, capacity);
        this.patterns = new SubscriptionTable(SubscriptionTable.Kind.PATTERN, connector, names::redisPattern, this::decode, scheduler, backOff,
                lanes, capacity);
        this.history = new HistoryStore(settings, names, scripts);
        this.presence = new RedisPresence(settings.presence(), names, scripts, connector);
        this.published = metrics.counter("published");
        this.publishFailures = metrics.counter("publish_failures");
        this.received = metrics.counter("received");
        this.deliveredLocally = metrics.counter("delivered_locally");
        this.reconnects = metrics.counter("reconnects");
        metrics.gauge("outage_seconds", () -> state.outage().toMillis() / 1000.0);
        metrics.gauge("subscriptions", channels::subscribedInRedis, "kind", "channel");
        metrics.gauge("subscriptions", patterns::subscribedInRedis, "kind", "pattern");
        metrics.gauge("subscription_capacity", capacity::capacity);
        metrics.gauge("delivery_queued_events", lanes::queuedEvents);
        metrics.gauge("delivery_queued_bytes", lanes::queuedBytes);
    }

    /**
     * Creates the bridge and starts connecting in the background; returns at once. Until Redis
     * answers, the bridge works as while Redis is lost.
     */
    public static RedisEventBridge start(RedisBridgeSettings settings, PluginContext context) {
        requireNonNull(settings, "settings is null");
        requireNonNull(context, "context is null");
        RedisEventBridge bridge = new RedisEventBridge(settings, context.scheduler(), context.blockingExecutor(), context.metrics(),
                context.clock());
        LOG.info("Redis event bridge: channel-prefix '{}': the bus channel <channel> is the Redis channel {}<channel>, so backends "
                        + "PUBLISH to {}<channel>; Redis connection {} ({} {}), key prefix '{}', {} history rule(s)",
                settings.channelPrefix(), settings.channelPrefix(), settings.channelPrefix(), settings.redis().name(),
                settings.redis().mode().name().toLowerCase(Locale.ROOT), settings.addresses(), settings.keyPrefix(), settings.history().size());
        if (settings.channelPrefix().isEmpty()) {
            LOG.warn("Redis event bridge: channel-prefix is empty, so every Redis channel is a channel of the event bus: a pattern "
                    + "subscription (a hub client's \"*\") also receives the gateway's internal channels (discovery-redis's "
                    + "tollgate:services:{…}:changes) and any other application's; set channel-prefix (the default is "
                    + "\"tollgate:events:\") once backends publish under it");
        }
        bridge.connector.start();
        bridge.presence.start(context.scheduler());
        return bridge;
    }

    @Override
    public CompletionStage<Void> publish(String channel, ByteBuffer payload) {
        requireNonNull(channel, "channel is null");
        requireNonNull(payload, "payload is null");
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        if (closed) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.UNAVAILABLE, "the Redis event bridge is closed"));
        }
        RedissonClient client = connector.client();
        if (client == null || state.isLost()) {
            publishFailures.increment();
            deliverLocally(channel, bytes);
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.UNAVAILABLE,
                    "Redis is unreachable (" + state.problem() + "): the event reached this gateway instance's subscribers only"));
        }
        HistoryRule rule = settings.historyRuleFor(channel);
        CompletableFuture<Void> result = new CompletableFuture<>();
        sequencer.submit(channel, () -> send(client, channel, rule, bytes)).whenComplete((ignored, failure) -> {
            if (failure == null) {
                published.increment();
                result.complete(null);
                return;
            }
            publishFailures.increment();
            if (RedisFailures.neverSent(failure)) {
                connector.lost(RedisFailures.describe(failure));
            }
            if (RedisFailures.notExecuted(failure)) {
                deliverLocally(channel, bytes);
                result.completeExceptionally(RedisFailures.unavailable(
                        "cannot publish to Redis, the event reached this gateway instance's subscribers only", failure));
            }
            else {
                result.completeExceptionally(RedisFailures.unavailable(
                        "no answer from Redis: the event may or may not have been delivered", failure));
            }
        });
        return result;
    }

    private CompletionStage<Void> send(RedissonClient client, String channel, HistoryRule rule, byte[] payload) {
        if (rule != null) {
            return history.publish(client, channel, rule, payload).thenApply(offset -> null);
        }
        return client.getTopic(names.redisChannel(channel), ByteArrayCodec.INSTANCE).publishAsync(payload).thenApply(receivers -> null);
    }

    private void deliverLocally(String channel, byte[] payload) {
        Event event = Event.of(channel, ByteBuffer.wrap(payload));
        deliveredLocally.increment();
        channels.deliverLocally(event, payload.length);
        patterns.deliverLocally(event, payload.length);
    }

    /** A message from Redis as the event listeners receive; {@code null} for a channel outside the prefix. */
    private Event decode(String redisChannel, byte[] message) {
        String channel = names.channelOf(redisChannel);
        if (channel == null) {
            return null;
        }
        received.increment();
        return HistoryEnvelope.decode(channel, message);
    }

    @Override
    public Subscription subscribe(String channel, EventListener listener) {
        return channels.add(requireNonNull(channel, "channel is null"), listener);
    }

    @Override
    public Subscription subscribePattern(String pattern, EventListener listener) {
        return patterns.add(requireNonNull(pattern, "pattern is null"), listener);
    }

    @Override
    public boolean keepsHistory(String channel) {
        return settings.historyRuleFor(requireNonNull(channel, "channel is null")) != null;
    }

    @Override
    public CompletionStage<List<Event>> history(String channel, String afterOffset) {
        requireNonNull(channel, "channel is null");
        HistoryRule rule = settings.historyRuleFor(channel);
        if (rule == null) {
            return CompletableFuture.failedFuture(new HistoryGapException(channel, "channel " + channel + " keeps no history"));
        }
        try {
            Event.compareOffsets(afterOffset, "0-0");
        }
        catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new HistoryGapException(channel, "not an offset of " + channel + ": " + afterOffset));
        }
        RedissonClient client = connector.client();
        if (client == null) {
            return CompletableFuture.failedFuture(notConnected());
        }
        return reportFailures(() -> history.history(client, channel, rule, afterOffset), "cannot read the history of " + channel);
    }

    @Override
    public CompletionStage<String> latestOffset(String channel) {
        requireNonNull(channel, "channel is null");
        if (settings.historyRuleFor(channel) == null) {
            return CompletableFuture.failedFuture(new HistoryGapException(channel, "channel " + channel + " keeps no history"));
        }
        RedissonClient client = connector.client();
        if (client == null) {
            return CompletableFuture.failedFuture(notConnected());
        }
        return reportFailures(() -> history.latestOffset(client, channel), "cannot read the latest offset of " + channel);
    }

    /** Fails with {@link HistoryGapException} as it is, and with {@code UNAVAILABLE} for Redis' failures. */
    private static <T> CompletionStage<T> reportFailures(Supplier<CompletionStage<T>> operation, String what) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletionStage<T> stage;
        try {
            stage = operation.get();
        }
        catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
                return;
            }
            Throwable cause = RedisFailures.cause(failure);
            result.completeExceptionally(cause instanceof HistoryGapException || cause instanceof GatewayException
                    ? cause : RedisFailures.unavailable(what, cause));
        });
        return result;
    }

    @Override
    public Presence presence() {
        return presence;
    }

    @Override
    public HealthIndicator health() {
        return this::checkHealth;
    }

    private Health checkHealth() {
        if (closed) {
            return new Health(Health.Status.DOWN, Map.of("bridge", "redis", "reason", "closed"));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bridge", "redis");
        details.put("mode", settings.redis().mode().name().toLowerCase(Locale.ROOT));
        details.put("redis", String.join(",", settings.addresses()));
        details.put("channels", channels.subscribedInRedis());
        details.put("patterns", patterns.subscribedInRedis());
        details.put("subscription-capacity", capacity.capacity());
        details.put("subscriptions-refused", capacity.refused());
        details.put("reconnects", state.recoveries());
        details.put("events-dropped", lanes.dropped());
        boolean dropping = lanes.droppedWithin(DEGRADE_FOR);
        boolean refusing = capacity.refusedWithin(DEGRADE_FOR);
        Instant lostSince = state.lostSince();
        if (lostSince == null && !dropping && !refusing) {
            return Health.up(details);
        }
        StringBuilder reason = new StringBuilder();
        if (lostSince != null) {
            long seconds = state.outage().toSeconds();
            details.put("outage-seconds", seconds);
            details.put("lost-at", lostSince.toString());
            reason.append(state.everConnected() ? "Redis unreachable for " : "not connected to Redis for ").append(seconds).append(" s (")
                    .append(state.problem()).append("): events reach this instance's subscribers only");
        }
        if (dropping) {
            reason.append(reason.isEmpty() ? "" : "; ").append("events were dropped in the last minute: listeners fall behind");
        }
        if (refusing) {
            reason.append(reason.isEmpty() ? "" : "; ").append("subscriptions were refused in the last minute: no room for more Redis "
                    + "subscriptions (").append(capacity.describe()).append(")");
        }
        details.put("reason", reason.toString());
        return new Health(Health.Status.DEGRADED, details);
    }

    /** Redis answers: subscribe what waits for it, write this instance's presence again. */
    private void reachable(boolean afterOutage) {
        if (afterOutage) {
            reconnects.increment();
        }
        channels.reconcileAll();
        patterns.reconcileAll();
        presence.refreshAll();
    }

    private static GatewayException notConnected() {
        return new GatewayException(ErrorCode.UNAVAILABLE, "not connected to Redis yet");
    }

    /**
     * Removes this instance's presence members, forgets every listener, stops the delivery lanes
     * (dropping what they hold) and the client; waits at most {@code timeout} for Redis and one
     * second for a listener still running on a lane, then goes on.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long timeout = settings.redis().timeout().toMillis();
        try {
            presence.close().toCompletableFuture().get(timeout, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException | TimeoutException e) {
            LOG.debug("This instance's presence members could not be removed (they expire): {}", RedisFailures.describe(e));
        }
        channels.close();
        patterns.close();
        lanes.close();
        connector.close();
    }
}
