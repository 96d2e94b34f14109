package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.websocket.WebSocketMessage;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletionStage;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static java.util.Objects.requireNonNull;

/**
 * One connection's subscription to one bus channel.
 *
 * <h2>From subscribing to live delivery</h2>
 * A subscription listens to the channel from the moment it is attached, but holds the channel's
 * messages back until {@link #goLive} has sent the {@code subscribed} reply and, for a recovery,
 * the missed events from the channel's history. Then it sends the held messages that history did
 * not already contain (by offset) and delivers directly from then on. Listening before asking for
 * history is what makes the switch-over lose nothing; comparing offsets is what makes it repeat
 * nothing. The held messages are bounded by the route's queue length; beyond it the channel's
 * slow-consumer policy applies, as it would to the session's queue.
 *
 * <p>Once live, {@link #deliver} takes no lock: the held-back path and its lock only exist
 * during the switch-over.
 *
 * <p>Thread-safe: {@link #deliver} is called by fan-out lanes (or the bus thread, for small
 * channels), the rest by the connection's I/O thread or a bus completion. What it sends goes
 * through the connection's {@link ConnectionSender}.
 */
final class ChannelSubscription {
    private final ConnectionSender sender;
    private final String channel;
    private final boolean counted;
    // A field and a VarHandle rather than an AtomicBoolean, and this as the lock: two objects fewer per subscription.
    private static final VarHandle CANCELLED = FieldHandles.field(MethodHandles.lookup(), "cancelled", boolean.class);
    @SuppressWarnings("unused") // through CANCELLED
    private volatile boolean cancelled;
    private volatile LocalChannel local;
    /** The chunk of the channel's subscribers it belongs to; written under the channel's lock. */
    private SubscriberChunk chunk;
    private volatile boolean live;
    private volatile String recoveredThrough;
    /** Messages held back until {@link #goLive}; null once live or cancelled. Guarded by this. */
    private ArrayDeque<Held> held = new ArrayDeque<>();
    private volatile ChannelSubscription presenceWatch;
    private volatile CompletionStage<Void> joined;

    /**
     * @param channel the bus channel
     * @param counted whether it counts towards the route's {@code max-subscriptions}
     */
    ChannelSubscription(ConnectionSender sender, String channel, boolean counted) {
        this.sender = requireNonNull(sender, "sender is null");
        this.channel = requireNonNull(channel, "channel is null");
        this.counted = counted;
    }

    String channel() {
        return channel;
    }

    boolean counted() {
        return counted;
    }

    /** The channel it is attached to; set by the hub before the first delivery. */
    LocalChannel local() {
        return local;
    }

    void bind(LocalChannel channel) {
        this.local = requireNonNull(channel, "channel is null");
    }

    /** The chunk it was put in by {@link LocalChannel#add}; read and written under the channel's lock. */
    SubscriberChunk chunk() {
        return chunk;
    }

    void chunk(SubscriberChunk chunk) {
        this.chunk = requireNonNull(chunk, "chunk is null");
    }

    /** The subscription to this channel's join and leave events, when the client watches them. */
    ChannelSubscription presenceWatch() {
        return presenceWatch;
    }

    void watchPresence(ChannelSubscription watch) {
        this.presenceWatch = requireNonNull(watch, "watch is null");
    }

    /** Completes when this connection's presence join was recorded (or failed); null when it never joined. */
    CompletionStage<Void> joined() {
        return joined;
    }

    void joined(CompletionStage<Void> join) {
        this.joined = requireNonNull(join, "join is null");
    }

    /** Marks it cancelled; true for the first call only. */
    boolean cancel() {
        boolean first = CANCELLED.compareAndSet(this, false, true);
        if (first) {
            synchronized (this) {
                held = null;
            }
        }
        return first;
    }

    /**
     * Delivers a channel message; false when it was not queued to the session (held back, a
     * duplicate of recovered history, cancelled, or refused by a full queue).
     */
    boolean deliver(WebSocketMessage message, String offset) {
        if (cancelled) {
            return false;
        }
        if (!live) {
            synchronized (this) {
                if (!live) {
                    hold(message, offset);
                    return false;
                }
            }
        }
        String through = recoveredThrough;
        if (through != null && isAtOrBefore(offset, through)) {
            return false;
        }
        return sender.deliver(message, local.policy());
    }

    /** Called under the lock while not live. */
    private void hold(WebSocketMessage message, String offset) {
        if (held == null) {
            return;
        }
        ChannelPolicy policy = local.policy();
        if (held.size() >= sender.maxQueuedMessages()) {
            sender.overflowWhileHeld(policy);
            if (policy.slowConsumer() == ChannelPolicy.SlowConsumer.DROP_OLDEST) {
                held.poll();
            }
            else {
                return;
            }
        }
        held.add(new Held(message, offset));
    }

    /**
     * Sends the replies, then the recovered events, then what was held back (skipping what the
     * recovered events already contained), and delivers directly from then on.
     *
     * @param replies the {@code subscribed} reply, preceded by a {@code RECOVERY_GAP} error if any
     * @param recovered missed events, oldest first
     * @param through the offset recovery reached (the last recovered event's, or the client's own
     *        when nothing was missed); null when there was no recovery
     */
    void goLive(List<WebSocketMessage> replies, List<Event> recovered, String through) {
        synchronized (this) {
            if (cancelled || live) {
                return;
            }
            for (WebSocketMessage reply : replies) {
                sender.reply(reply);
            }
            long sent = 0;
            for (Event event : recovered) {
                WebSocketMessage message = local.encode(event);
                if (message != null && sender.deliver(message, local.policy())) {
                    sent++;
                }
            }
            if (through != null) {
                recoveredThrough = through;
            }
            if (held != null) {
                for (Held message : held) {
                    if ((through == null || !isAtOrBefore(message.offset(), through))
                            && sender.deliver(message.message(), local.policy())) {
                        sent++;
                    }
                }
            }
            held = null;
            live = true;
            sender.sent(sent);
        }
        ChannelSubscription watch = presenceWatch;
        if (watch != null) {
            // Join and leave events follow the subscribed reply.
            watch.goLive(List.of(), List.of(), null);
        }
    }

    /** Whether an event's offset is at or before {@code through}: already delivered by recovery. */
    private static boolean isAtOrBefore(String offset, String through) {
        if (offset == null) {
            return false;
        }
        try {
            return Event.compareOffsets(offset, through) <= 0;
        }
        catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "ChannelSubscription[" + channel + ", " + sender + "]";
    }

    private record Held(WebSocketMessage message, String offset) {
    }
}
