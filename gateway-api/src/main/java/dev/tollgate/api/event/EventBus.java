package dev.tollgate.api.event;

import dev.tollgate.api.Experimental;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Publish/subscribe between the gateway's components and, through a bridge, between gateway
 * instances and the backends behind them.
 *
 * <p>The runtime's in-memory bus delivers within one process. A bridge plugin (Redis) replaces
 * it when {@code gateway.events.bridge} says so; then an event published anywhere (a backend,
 * any gateway instance) reaches the subscribers on every instance, once.
 *
 * <p>Channels are plain strings ({@code simulation:42}, {@code user:7}). Patterns use Redis'
 * glob syntax: {@code *} any run of characters, {@code ?} one character, {@code [ab]} a set
 * ({@link ChannelGlob}, which buses match with).
 *
 * <h2>History</h2>
 * Channels that the bus is configured to keep history for record each event with an
 * {@link Event#offset() offset}; a subscriber that was away asks for what it missed with
 * {@link #history}. Offsets of one channel are ordered ({@link Event#compareOffsets}).
 *
 * <p>All methods are thread-safe and never block.
 */
public interface EventBus {

    /**
     * Publishes to a channel. The stage completes when the transport has accepted the event
     * (for the in-memory bus, once local listeners were called), and fails with a
     * {@link dev.tollgate.api.GatewayException} ({@code UNAVAILABLE}) when it cannot be sent.
     */
    CompletionStage<Void> publish(String channel, ByteBuffer payload);

    /**
     * Subscribes to one channel. Returns at once; {@link Subscription#active()} says when the
     * listener receives what is published anywhere, or that the bus refused the subscription.
     */
    Subscription subscribe(String channel, EventListener listener);

    /** Subscribes to every channel matching a glob pattern; as {@link #subscribe}. */
    Subscription subscribePattern(String pattern, EventListener listener);

    /** Whether the bus keeps history for this channel (its events carry offsets). */
    @Experimental
    default boolean keepsHistory(String channel) {
        return false;
    }

    /**
     * The events of a channel published after {@code afterOffset}, oldest first (empty when
     * nothing was missed). Fails with {@link HistoryGapException} when the channel keeps no
     * history or its history no longer reaches back to that offset.
     */
    @Experimental
    default CompletionStage<List<Event>> history(String channel, String afterOffset) {
        return CompletableFuture.failedFuture(new HistoryGapException(channel, "channel " + channel + " keeps no history"));
    }

    /**
     * The offset of the latest event of a channel that keeps history, or {@code "0-0"} when it
     * has none yet; a subscriber starts from it to recover later.
     */
    @Experimental
    default CompletionStage<String> latestOffset(String channel) {
        return CompletableFuture.failedFuture(new HistoryGapException(channel, "channel " + channel + " keeps no history"));
    }

    /** Who is connected to which channel, shared like the bus itself. */
    @Experimental
    default Presence presence() {
        throw new UnsupportedOperationException("this event bus offers no presence");
    }
}
