package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventBus;
import dev.tollgate.api.event.HistoryGapException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * Starts the delivery of one connection's subscriptions, recovering missed events where the client
 * asks: once a {@link ChannelSubscription} is attached (listening, its messages held back), this
 * asks the bus for the channel's latest offset and, for a {@code since}, the events published
 * after it, then has the subscription {@link ChannelSubscription#goLive go live} with
 * <ul>
 *   <li>{@code subscribed} (with the latest offset when the channel keeps history), when the
 *       client gave no {@code since};</li>
 *   <li>{@code subscribed} with {@code "recovered":true} and the missed events, when the history
 *       reaches back to {@code since};</li>
 *   <li>a {@code RECOVERY_GAP} error, then {@code subscribed} with {@code "recovered":false},
 *       when the channel keeps no history, or its history no longer reaches back, or the bus
 *       cannot say. The subscription is live anyway; the missed events are lost.</li>
 * </ul>
 * A latest offset the bus cannot give is left out of {@code subscribed}; it never fails the
 * subscription.
 *
 * <p>Threading: {@link #start} runs on the subscribing thread and returns at once; the
 * subscription goes live on it for a channel without history, otherwise on the thread that
 * completes the bus's last answer. Nothing blocks. A failure to go live closes the connection
 * (1011).
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final EventBus bus;
    private final ConnectionSender sender;

    /** @param sender the connection's, closed when a subscription fails to go live */
    Recovery(EventBus bus, ConnectionSender sender) {
        this.bus = requireNonNull(bus, "bus is null");
        this.sender = requireNonNull(sender, "sender is null");
    }

    /**
     * Whether {@code offset} is an offset as the bus writes them ({@code 1700000000000-42}): what
     * a client may give as {@code since}.
     */
    static boolean isOffset(String offset) {
        try {
            Event.compareOffsets(offset, "0-0");
            return true;
        }
        catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Starts delivering an attached subscription.
     *
     * @param id the id of the request to answer, or null (the route's channels)
     * @param since the offset to recover from, already checked with {@link #isOffset}, or null
     */
    void start(ChannelSubscription subscription, String id, String since) {
        String channel = subscription.channel();
        if (!subscription.local().keepsHistory()) {
            if (since == null) {
                subscription.goLive(List.of(ServerMessages.subscribed(id, channel, null, null)), List.of(), null);
            }
            else {
                subscription.goLive(List.of(
                        ServerMessages.error(id, channel, ProtocolError.RECOVERY_GAP, "channel " + channel + " keeps no history"),
                        ServerMessages.subscribed(id, channel, null, false)), List.of(), null);
            }
            return;
        }
        CompletableFuture<String> latest = Hub.call(() -> bus.latestOffset(channel)).toCompletableFuture()
                .exceptionally(failure -> {
                    LOG.debug("Latest offset of {} unavailable: {}", channel, Hub.describe(failure));
                    return null;
                });
        CompletableFuture<Recovered> recovery = since == null
                ? CompletableFuture.completedFuture(null)
                : Hub.call(() -> bus.history(channel, since)).toCompletableFuture()
                .handle((events, failure) -> failure == null ? Recovered.of(events, since) : Recovered.failed(failure));
        latest.thenAcceptBoth(recovery, (offset, recovered) -> {
            try {
                if (recovered == null) {
                    subscription.goLive(List.of(ServerMessages.subscribed(id, channel, offset, null)), List.of(), null);
                }
                else if (recovered.gap() != null) {
                    subscription.goLive(List.of(
                            ServerMessages.error(id, channel, ProtocolError.RECOVERY_GAP, recovered.gap()),
                            ServerMessages.subscribed(id, channel, offset, false)), List.of(), null);
                }
                else {
                    subscription.goLive(List.of(ServerMessages.subscribed(id, channel, offset, true)),
                            recovered.events(), recovered.through());
                }
            }
            catch (RuntimeException e) {
                LOG.error("Starting delivery of {} to {} failed", channel, sender, e);
                sender.close(1011, "internal error");
            }
        });
    }

    /** What a recovery found: the missed events and how far they reach, or why there are none. */
    private record Recovered(List<Event> events, String through, String gap) {
        static Recovered of(List<Event> events, String since) {
            String through = events.isEmpty() ? since : events.get(events.size() - 1).offset();
            return new Recovered(List.copyOf(events), through == null ? since : through, null);
        }

        static Recovered failed(Throwable failure) {
            Throwable cause = Hub.unwrap(failure);
            String gap = cause instanceof HistoryGapException ? cause.getMessage()
                    : "the channel's history is unavailable: " + Hub.describe(cause);
            return new Recovered(List.of(), null, gap);
        }
    }
}
