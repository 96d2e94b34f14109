package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.event.PresenceMember;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static java.util.Objects.requireNonNull;

/**
 * The subscriptions of one connection: at most one per channel, the counted ones within the
 * route's {@code max-subscriptions}. Subscribing attaches a {@link ChannelSubscription} to the
 * hub's channel, joins the channel's presence when its policy records presence, and hands the
 * subscription to {@link Recovery} to go live; releasing undoes that (leaving presence once the
 * join has settled). Permissions are not checked here: callers subscribe to channels they may.
 *
 * <p>Threading: client requests subscribe and unsubscribe on the connection's I/O thread; the
 * route's channels of a connection that authenticated with its first message are subscribed on
 * the thread that completed the authentication, possibly at the same time. So subscribing is
 * atomic per channel and the count is atomic. {@link #close} runs on the I/O thread when the
 * session closed; a subscription that lands after it is released by the subscribing thread, which
 * sees the closed flag.
 */
final class ConnectionSubscriptions {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionSubscriptions.class);
    /** How long a subscription waits for the bus to confirm it before going live regardless. */
    private static final Duration ACTIVE_WAIT = Duration.ofSeconds(5);

    private final Hub hub;
    private final ConnectionSender sender;
    private final Recovery recovery;
    private final int maxSubscriptions;
    private final Supplier<PresenceMember> member;
    /** Sized for the few subscriptions most connections have (a table of 4, not 16). */
    private final Map<String, ChannelSubscription> subscriptions = new ConcurrentHashMap<>(2);
    private static final VarHandle COUNTED = FieldHandles.field(MethodHandles.lookup(), "counted", int.class);
    @SuppressWarnings("unused") // through COUNTED
    private volatile int counted;
    private volatile boolean closed;

    /**
     * @param maxSubscriptions the route's limit on counted subscriptions
     * @param member the connection as a presence member; asked only once the connection may act
     */
    ConnectionSubscriptions(Hub hub, ConnectionSender sender, int maxSubscriptions, Supplier<PresenceMember> member) {
        this.hub = requireNonNull(hub, "hub is null");
        this.sender = requireNonNull(sender, "sender is null");
        this.recovery = new Recovery(hub.bus(), sender);
        this.maxSubscriptions = maxSubscriptions;
        this.member = requireNonNull(member, "member is null");
    }

    /**
     * Subscribes a connection that may now act (at open, or once authenticated) to its route's
     * channels, counted and recovered from {@code since}, and to the broadcast channel, not
     * counted. A channel that cannot be subscribed gets an error reply; the others go on.
     *
     * @param channels the route's channels for this connection, already permitted
     * @param since the offset to recover the route's channels from, or null
     */
    void subscribeAtStart(List<String> channels, String since) {
        for (String channel : channels) {
            try {
                subscribe(channel, null, since, false, true);
            }
            catch (ProtocolException e) {
                sender.reply(ServerMessages.error(null, channel, e.error(), e.getMessage()));
            }
        }
        hub.settings().broadcastChannel().ifPresent(channel -> {
            if (!subscriptions.containsKey(channel)) {
                try {
                    subscribe(channel, null, null, false, false);
                }
                catch (ProtocolException e) {
                    sender.reply(ServerMessages.error(null, channel, e.error(), e.getMessage()));
                }
            }
        });
    }

    /**
     * Subscribes to a channel whose permission was checked. The reply ({@code subscribed}, after
     * a {@code RECOVERY_GAP} error if recovery failed) is sent once the subscription is live.
     *
     * @param id the request's id, or null
     * @param since the offset to recover from, or null
     * @param watchPresence whether the client also gets the channel's join and leave events
     * @param countedSubscription whether it counts towards {@code max-subscriptions}
     * @throws ProtocolException {@code ALREADY_SUBSCRIBED}, {@code TOO_MANY_SUBSCRIPTIONS}, or
     *         {@code UNAVAILABLE} when the bus refused the subscription
     */
    void subscribe(String requested, String id, String since, boolean watchPresence, boolean countedSubscription)
            throws ProtocolException {
        // The name every subscriber of an open channel shares, not a copy per connection.
        String channel = hub.channelName(requested);
        if (subscriptions.containsKey(channel)) {
            throw new ProtocolException(ProtocolError.ALREADY_SUBSCRIBED, "already subscribed to " + channel);
        }
        if (countedSubscription && ((int) COUNTED.getAndAdd(this, 1) + 1) > maxSubscriptions) {
            COUNTED.getAndAdd(this, -1);
            throw new ProtocolException(ProtocolError.TOO_MANY_SUBSCRIPTIONS,
                    "at most " + maxSubscriptions + " subscriptions per connection");
        }
        ChannelSubscription subscription = new ChannelSubscription(sender, channel, countedSubscription);
        if (subscriptions.putIfAbsent(channel, subscription) != null) {
            if (countedSubscription) {
                COUNTED.getAndAdd(this, -1);
            }
            throw new ProtocolException(ProtocolError.ALREADY_SUBSCRIBED, "already subscribed to " + channel);
        }
        try {
            hub.attach(subscription);
            if (watchPresence) {
                ChannelSubscription watch = new ChannelSubscription(sender, ChannelNames.presenceEvents(channel), false);
                subscription.watchPresence(watch);
                hub.attach(watch);
            }
        }
        catch (RuntimeException e) {
            LOG.warn("Subscribing to {} failed", channel, e);
            subscriptions.remove(channel, subscription);
            release(subscription);
            throw new ProtocolException(ProtocolError.UNAVAILABLE, "the event bus is unavailable");
        }
        if (closed) {
            // Defensive: a close reported while subscribing must not leave a subscription behind.
            subscriptions.remove(channel, subscription);
            release(subscription);
            return;
        }
        // "subscribed" means the bus delivers: wait until its subscription is active (at once on the
        // in-memory bus or a channel already subscribed here; a Redis round trip on the bridge).
        // Refused (no room on the bridge): the client is told. Not confirmed in time (Redis is
        // unreachable): the subscription goes live anyway, as local publications reach it and the
        // bridge subscribes when Redis is back.
        subscription.local().active().toCompletableFuture().orTimeout(ACTIVE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ignored, failure) -> {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    if (cause != null && !(cause instanceof TimeoutException)) {
                        LOG.debug("The event bus refused the subscription to {}: {}", channel, cause.toString());
                        subscriptions.remove(channel, subscription);
                        release(subscription);
                        sender.reply(ServerMessages.error(id, channel, ProtocolError.UNAVAILABLE,
                                "the event bus cannot subscribe to " + channel + " now"));
                        return;
                    }
                    if (closed) {
                        subscriptions.remove(channel, subscription);
                        release(subscription);
                        return;
                    }
                    if (subscription.local().policy().presence()) {
                        subscription.joined(hub.join(channel, member.get()));
                    }
                    recovery.start(subscription, id, since);
                });
    }

    /**
     * Releases the subscription to a channel.
     *
     * @throws ProtocolException {@code NOT_SUBSCRIBED} when there is none
     */
    void unsubscribe(String channel) throws ProtocolException {
        ChannelSubscription subscription = subscriptions.remove(channel);
        if (subscription == null) {
            throw new ProtocolException(ProtocolError.NOT_SUBSCRIBED, "not subscribed to " + channel);
        }
        release(subscription);
    }

    /** Releases every subscription; the session closed. Subscriptions made after this are released at once. */
    void close() {
        closed = true;
        for (ChannelSubscription subscription : subscriptions.values()) {
            release(subscription);
        }
        subscriptions.clear();
    }

    /** Cancels a subscription (and its presence watch), leaving presence where it joined. */
    private void release(ChannelSubscription subscription) {
        if (!subscription.cancel()) {
            return;
        }
        hub.detach(subscription);
        if (subscription.counted()) {
            COUNTED.getAndAdd(this, -1);
        }
        ChannelSubscription watch = subscription.presenceWatch();
        if (watch != null && watch.cancel()) {
            hub.detach(watch);
        }
        CompletionStage<Void> joined = subscription.joined();
        if (joined != null) {
            hub.leave(subscription.channel(), member.get(), joined);
        }
    }
}
