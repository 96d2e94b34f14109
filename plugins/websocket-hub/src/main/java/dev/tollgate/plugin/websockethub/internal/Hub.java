package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.PresenceMember;
import dev.tollgate.api.health.Health;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * What every hub route of one gateway shares: the instance's {@link Capacity} (connections, the
 * queue budget, connections per user), its connections, its channels — one bus subscription per
 * channel, reference-counted over the local subscribers — and presence on the bus.
 *
 * <p>Nothing here assumes a single instance. Channels, presence and history live on the event
 * bus; what is kept here is only this instance's share (its connections, its bus subscriptions),
 * so with a bridged bus every instance runs its own hub over the same channels.
 *
 * <p>Events are fanned out on the hub's own {@link FanOutLanes} (see {@link LocalChannel}), which
 * it starts with itself and stops on {@link #close()}. Every second it has its connections give
 * back to the queue budget what their drained queues no longer need ({@link Capacity}).
 *
 * <p>Thread-safe: connections call it from their I/O threads, the bus from its delivery
 * threads, the scheduler from its own.
 */
final class Hub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Hub.class);
    /** How long the hub reports itself degraded after the fan-out dropped an event. */
    private static final Duration FAN_OUT_DROPS_DEGRADE_FOR = Duration.ofMinutes(1);

    private final HubSettings settings;
    private final EventBus bus;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final HubMetrics metrics;
    private final FanOutLanes lanes;
    private final Capacity capacity;
    private final String instanceId = UUID.randomUUID().toString();
    private final Map<String, LocalChannel> channels = new ConcurrentHashMap<>();
    private final Set<HubConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final ScheduledFuture<?> queueTrimming;

    Hub(HubSettings settings, PluginContext context) {
        this.settings = requireNonNull(settings, "settings is null");
        this.bus = context.eventBus();
        this.clock = context.clock();
        this.scheduler = context.scheduler();
        this.metrics = new HubMetrics(context.metrics());
        this.lanes = new FanOutLanes(settings.fanOut(), "tollgate-hub-fan-out");
        this.capacity = new Capacity(settings, metrics, scheduler);
        metrics.gauge("fan_out_queued_messages", lanes::queuedMessages);
        metrics.gauge("connections", connections::size);
        metrics.gauge("subscriptions", subscriptions::get);
        metrics.gauge("channels", channels::size);
        metrics.gauge("queue_budget_reserved_bytes", capacity::reservedQueueBytes);
        metrics.gauge("queue_budget_bytes", settings::queueBudget);
        metrics.gauge("queued_bytes", this::queuedBytes);
        context.registerHealth("hub", this::health);
        this.queueTrimming = scheduler.scheduleWithFixedDelay(this::trimQueueReservations, 1, 1, TimeUnit.SECONDS);
    }

    HubSettings settings() {
        return settings;
    }

    HubMetrics metrics() {
        return metrics;
    }

    /** The instance's capacity, which admits connections. */
    Capacity capacity() {
        return capacity;
    }

    EventBus bus() {
        return bus;
    }

    Clock clock() {
        return clock;
    }

    /** The runtime's scheduler, for short timers (authentication deadlines). */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Unique per hub, part of presence member ids so that they are unique across instances. */
    String instanceId() {
        return instanceId;
    }

    // --- Connections

    void connectionOpened(HubConnection connection) {
        connections.add(connection);
    }

    void connectionClosed(HubConnection connection) {
        connections.remove(connection);
    }

    /** Gives back to the queue budget what drained queues no longer need; every second, on the scheduler. */
    private void trimQueueReservations() {
        for (HubConnection connection : connections) {
            connection.trimQueueReservation();
        }
    }

    private long queuedBytes() {
        long total = 0;
        for (HubConnection connection : connections) {
            total += connection.queuedBytes();
        }
        return total;
    }

    // --- Channels

    /** The name of the open channel equal to {@code channel} (one instance shared by its subscribers), else {@code channel}. */
    String channelName(String channel) {
        LocalChannel open = channels.get(channel);
        return open != null ? open.name() : channel;
    }

    /**
     * Attaches a subscription to its channel, subscribing to the bus when it is the channel's
     * first on this instance. Messages may reach the subscription as soon as this returns.
     *
     * @throws RuntimeException when the bus refuses the subscription
     */
    void attach(ChannelSubscription subscription) {
        channels.compute(subscription.channel(), (name, existing) -> {
            LocalChannel channel = existing != null ? existing : open(name);
            subscription.bind(channel);
            channel.add(subscription);
            return channel;
        });
        subscriptions.incrementAndGet();
    }

    /** Detaches a subscription, leaving the bus channel when it was the last one here. */
    void detach(ChannelSubscription subscription) {
        LocalChannel bound = subscription.local();
        if (bound == null) {
            return;
        }
        channels.computeIfPresent(subscription.channel(), (name, channel) -> {
            if (channel != bound) {
                return channel;
            }
            if (channel.remove(subscription)) {
                channel.close();
                return null;
            }
            return channel;
        });
        subscriptions.decrementAndGet();
    }

    private LocalChannel open(String name) {
        LocalChannel channel;
        if (name.startsWith(ChannelNames.PRESENCE_EVENTS_PREFIX)) {
            String watched = name.substring(ChannelNames.PRESENCE_EVENTS_PREFIX.length());
            channel = new LocalChannel(name, LocalChannel.Kind.PRESENCE_EVENTS, settings.channelPolicies().policyFor(watched), false, metrics,
                    lanes);
        }
        else {
            ChannelPolicy policy = settings.channelPolicies().policyFor(name);
            LocalChannel.Kind kind = policy.binary() ? LocalChannel.Kind.BINARY
                    : !settings.userChannelPrefix().isEmpty() && name.startsWith(settings.userChannelPrefix()) ? LocalChannel.Kind.NOTIFICATION
                    : LocalChannel.Kind.MESSAGE;
            channel = new LocalChannel(name, kind, policy, bus.keepsHistory(name), metrics, lanes);
        }
        channel.listenTo(bus.subscribe(name, channel));
        return channel;
    }

    // --- Presence

    /** The bus's presence, or a failed stage's reason when the bus offers none. */
    <T> CompletionStage<T> withPresence(Function<Presence, CompletionStage<T>> action) {
        return call(() -> action.apply(bus.presence()));
    }

    /** Records a member on a channel and tells watching clients on every instance. */
    CompletionStage<Void> join(String channel, PresenceMember member) {
        return withPresence(presence -> presence.join(channel, member))
                .thenCompose(ignored -> call(() -> bus.publish(ChannelNames.presenceEvents(channel),
                        ServerMessages.presenceEvent(true, channel, member))))
                .exceptionally(failure -> {
                    LOG.warn("Presence join of {} on {} failed: {}", member.id(), channel, describe(failure));
                    return null;
                });
    }

    /** Removes a member from a channel (after its join settled) and tells watching clients. */
    CompletionStage<Void> leave(String channel, PresenceMember member, CompletionStage<Void> joined) {
        return joined.thenCompose(ignored -> withPresence(presence -> presence.leave(channel, member.id())))
                .thenCompose(ignored -> call(() -> bus.publish(ChannelNames.presenceEvents(channel),
                        ServerMessages.presenceEvent(false, channel, member))))
                .exceptionally(failure -> {
                    LOG.warn("Presence leave of {} on {} failed: {}", member.id(), channel, describe(failure));
                    return null;
                });
    }

    /** Runs a bus call, turning an exception it throws into a failed stage. */
    static <T> CompletionStage<T> call(Supplier<CompletionStage<T>> action) {
        try {
            return requireNonNull(action.get(), "the event bus returned no stage");
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A stage's failure without the completion wrapper. */
    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** A failure's message without the completion wrapper. */
    static String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    // --- Health and close

    private Health health() {
        Map<String, Object> details = Map.of(
                "connections", capacity.admitted(),
                "maxConnections", settings.maxConnections(),
                "channels", channels.size(),
                "subscriptions", subscriptions.get(),
                "queueBudgetReservedBytes", capacity.reservedQueueBytes(),
                "queueBudgetBytes", settings.queueBudget(),
                "fanOutDroppedMessages", metrics.fanOutDropped());
        if (metrics.fanOutDroppedWithin(FAN_OUT_DROPS_DEGRADE_FOR)) {
            return new Health(Health.Status.DEGRADED, withReason(details,
                    "events were dropped in the last minute: the fan-out lanes were full (more events than the gateway can write)"));
        }
        String refusal = capacity.refusalReason();
        if (refusal != null) {
            return new Health(Health.Status.DEGRADED, withReason(details, refusal));
        }
        return Health.up(details);
    }

    private static Map<String, Object> withReason(Map<String, Object> details, String reason) {
        Map<String, Object> withReason = new HashMap<>(details);
        withReason.put("reason", reason);
        return withReason;
    }

    /** Closes every connection with 1001, leaves every bus channel and stops the fan-out lanes. */
    @Override
    public void close() {
        queueTrimming.cancel(false);
        capacity.close();
        for (HubConnection connection : connections) {
            connection.close(1001, "gateway stopping");
        }
        for (LocalChannel channel : channels.values()) {
            channel.close();
        }
        channels.clear();
        lanes.close();
    }
}
