package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.websocket.WebSocketMessage;

import java.util.Arrays;

/**
 * Up to {@code chunk-size} subscribers of one channel, always fanned out on the same lane. A
 * subscriber stays in the chunk it joined until it leaves, which is what keeps a channel's events
 * in order for it.
 *
 * <p>The members are a copy-on-write array: the fan-out reads it without a lock or an allocation;
 * joining and leaving (rare, under the {@link LocalChannel}'s lock) copy it.
 */
final class SubscriberChunk {
    private static final ChannelSubscription[] NONE = new ChannelSubscription[0];

    private final int lane;
    private volatile ChannelSubscription[] members = NONE;

    SubscriberChunk(int lane) {
        this.lane = lane;
    }

    /** The lane this chunk is always fanned out on. */
    int lane() {
        return lane;
    }

    int size() {
        return members.length;
    }

    /** Called under the channel's lock. */
    void add(ChannelSubscription subscription) {
        ChannelSubscription[] current = members;
        ChannelSubscription[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = subscription;
        members = grown;
    }

    /** Called under the channel's lock; false when it was not a member. */
    boolean remove(ChannelSubscription subscription) {
        ChannelSubscription[] current = members;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == subscription) {
                ChannelSubscription[] shrunk = new ChannelSubscription[current.length - 1];
                System.arraycopy(current, 0, shrunk, 0, i);
                System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
                members = shrunk.length == 0 ? NONE : shrunk;
                return true;
            }
        }
        return false;
    }

    /** Queues a channel message to every member; returns how many queued it. Never blocks. */
    long deliver(WebSocketMessage message, String offset) {
        long sent = 0;
        for (ChannelSubscription subscriber : members) {
            if (subscriber.deliver(message, offset)) {
                sent++;
            }
        }
        return sent;
    }
}
