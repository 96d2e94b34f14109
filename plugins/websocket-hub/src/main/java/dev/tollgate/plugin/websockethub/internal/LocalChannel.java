package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.websocket.WebSocketMessage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * One bus channel as this instance sees it: a single bus subscription shared by every local
 * subscriber, held while at least one subscriber is left (the {@link Hub} counts them).
 *
 * <h2>Fan-out</h2>
 * An event is encoded once into one {@link WebSocketMessage} and that same message is queued to
 * every subscriber: no copy, no lock and no allocation per subscriber. The bus thread calling
 * {@link #onEvent} does not do the sending: subscribers sit in {@link SubscriberChunk}s of at most
 * {@code fan-out.chunk-size}, chunk {@code k} is always fanned out on lane
 * {@code (hash(channel) + k) mod lanes} of the hub's {@link FanOutLanes}, and the bus thread only
 * queues one task per chunk. A subscriber stays in its chunk, so it gets the channel's events in
 * the order the bus delivered them; the chunks of a big channel run on different cores. When a
 * lane is full, the event is dropped for that chunk and counted
 * ({@code messages_dropped{reason="fan_out_full"}}, one per subscriber missed).
 *
 * <p>A channel with at most {@code fan-out.inline-limit} subscribers is sent to on the bus thread
 * itself, which saves the hand-over, unless some of its tasks are still queued on the lanes (its
 * events would otherwise overtake them). Sending never blocks (a full session queue is the
 * channel's slow-consumer policy's business), so neither the bus thread nor a lane is ever held up
 * by a slow client.
 *
 * <h2>Encoding</h2>
 * JSON channels get {@code {"type":"message","channel":…,"data":<payload>,"offset":…}}: the
 * payload is embedded as it was published when it is one JSON value in UTF-8, and as a JSON string
 * of its text otherwise. Per-user channels say {@code "notification"} instead of
 * {@code "message"}; binary channels send the payload as a binary frame; presence-event channels
 * carry finished join and leave messages, sent as they are.
 */
final class LocalChannel implements EventListener {
    private static final byte[] OFFSET_FIELD = ",\"offset\":".getBytes(StandardCharsets.UTF_8);

    private final String name;
    private final Kind kind;
    private final ChannelPolicy policy;
    private final boolean keepsHistory;
    private final HubMetrics metrics;
    private final FanOutLanes lanes;
    private final int firstLane;
    private final byte[] prefix;
    /** The chunks, copy-on-write; changed under this channel's lock, read by the fan-out without it. */
    private volatile SubscriberChunk[] chunks = new SubscriberChunk[0];
    /** Subscribers over all chunks; written under the lock. */
    private volatile int subscribers;
    /** Tasks of this channel queued on the lanes or running. */
    private final AtomicInteger pendingTasks = new AtomicInteger();
    private volatile Subscription busSubscription;
    private volatile CompletionStage<Void> active;

    LocalChannel(String name, Kind kind, ChannelPolicy policy, boolean keepsHistory, HubMetrics metrics, FanOutLanes lanes) {
        this.name = requireNonNull(name, "name is null");
        this.kind = requireNonNull(kind, "kind is null");
        this.policy = requireNonNull(policy, "policy is null");
        this.keepsHistory = keepsHistory;
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.lanes = requireNonNull(lanes, "lanes is null");
        int hash = name.hashCode();
        this.firstLane = Math.floorMod(hash ^ (hash >>> 16), lanes.lanes());
        String type = kind == Kind.NOTIFICATION ? "notification" : "message";
        this.prefix = ("{\"type\":\"" + type + "\",\"channel\":" + new String(Json.quote(name), StandardCharsets.UTF_8) + ",\"data\":")
                .getBytes(StandardCharsets.UTF_8);
    }

    String name() {
        return name;
    }

    ChannelPolicy policy() {
        return policy;
    }

    /** Whether the bus keeps this channel's history, so its messages carry offsets. */
    boolean keepsHistory() {
        return keepsHistory;
    }

    /** Records the bus subscription to close when the last subscriber leaves. */
    void listenTo(Subscription subscription) {
        this.busSubscription = requireNonNull(subscription, "subscription is null");
        this.active = subscription.active();
    }

    /**
     * Completes once the bus delivers this channel's events (its subscription is active), or
     * fails when the bus refused it ({@link Subscription#active()}).
     */
    CompletionStage<Void> active() {
        CompletionStage<Void> stage = active;
        return stage != null ? stage : CompletableFuture.completedFuture(null);
    }

    /** Adds a subscriber to the first chunk with room, or to a new chunk. */
    synchronized void add(ChannelSubscription subscription) {
        SubscriberChunk[] current = chunks;
        SubscriberChunk target = null;
        for (SubscriberChunk chunk : current) {
            if (chunk.size() < lanes.settings().chunkSize()) {
                target = chunk;
                break;
            }
        }
        if (target == null) {
            target = new SubscriberChunk((firstLane + current.length) % lanes.lanes());
            SubscriberChunk[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = target;
            chunks = grown;
        }
        target.add(subscription);
        subscription.chunk(target);
        subscribers++;
    }

    /** Removes a subscriber; true when none is left. */
    synchronized boolean remove(ChannelSubscription subscription) {
        SubscriberChunk chunk = subscription.chunk();
        if (chunk != null && chunk.remove(subscription)) {
            subscribers--;
        }
        return subscribers == 0;
    }

    /** Stops listening to the bus. */
    void close() {
        Subscription subscription = busSubscription;
        if (subscription != null) {
            subscription.close();
        }
    }

    /**
     * Called by the bus, possibly concurrently; never blocks. Encodes the event and queues it for
     * each chunk on the chunk's lane, or sends it here to a small channel.
     */
    @Override
    public void onEvent(Event event) {
        metrics.eventReceived();
        int count = subscribers;
        if (count == 0) {
            return;
        }
        WebSocketMessage message = encode(event);
        if (message == null) {
            return;
        }
        String offset = event.offset();
        SubscriberChunk[] current = chunks;
        if (count <= lanes.settings().inlineLimit() && pendingTasks.get() == 0) {
            long sent = 0;
            for (SubscriberChunk chunk : current) {
                sent += chunk.deliver(message, offset);
            }
            metrics.sent(sent);
            return;
        }
        for (SubscriberChunk chunk : current) {
            int size = chunk.size();
            if (size == 0) {
                continue;
            }
            pendingTasks.incrementAndGet();
            if (!lanes.submit(chunk.lane(), new ChunkDelivery(chunk, size, message, offset))) {
                pendingTasks.decrementAndGet();
                metrics.droppedFanOutFull(size);
            }
        }
    }

    /** The message clients receive for an event of this channel; null for a malformed presence event. */
    WebSocketMessage encode(Event event) {
        return switch (kind) {
            case BINARY -> WebSocketMessage.binary(event.payload());
            case PRESENCE_EVENTS -> presenceEvent(event.payload());
            case MESSAGE, NOTIFICATION -> envelope(event.payload(), event.offset());
        };
    }

    private static WebSocketMessage presenceEvent(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        return Json.isJsonValue(bytes, 0, bytes.length) ? WebSocketMessage.utf8Text(ByteBuffer.wrap(bytes)) : null;
    }

    private WebSocketMessage envelope(ByteBuffer payload, String offset) {
        byte[] offsetBytes = offset == null ? null : Json.quote(offset);
        int dataLength = payload.remaining();
        // Copy the payload straight into its place in the frame, then check it there: one copy.
        byte[] frame = frame(dataLength, offsetBytes);
        payload.duplicate().get(frame, prefix.length, dataLength);
        if (!Json.isJsonValue(frame, prefix.length, dataLength)) {
            byte[] text = Json.quoteText(payload);
            frame = frame(text.length, offsetBytes);
            System.arraycopy(text, 0, frame, prefix.length, text.length);
        }
        return WebSocketMessage.utf8Text(ByteBuffer.wrap(frame));
    }

    /** A frame with the prefix and suffix in place and room for {@code dataLength} bytes of data. */
    private byte[] frame(int dataLength, byte[] offsetBytes) {
        int suffixLength = offsetBytes == null ? 1 : OFFSET_FIELD.length + offsetBytes.length + 1;
        byte[] frame = new byte[prefix.length + dataLength + suffixLength];
        System.arraycopy(prefix, 0, frame, 0, prefix.length);
        int position = prefix.length + dataLength;
        if (offsetBytes != null) {
            System.arraycopy(OFFSET_FIELD, 0, frame, position, OFFSET_FIELD.length);
            position += OFFSET_FIELD.length;
            System.arraycopy(offsetBytes, 0, frame, position, offsetBytes.length);
            position += offsetBytes.length;
        }
        frame[position] = '}';
        return frame;
    }

    @Override
    public String toString() {
        return "LocalChannel[" + name + ", " + subscribers + " subscribers]";
    }

    /** One event for one chunk, run on the chunk's lane. */
    private final class ChunkDelivery extends FanOutLanes.Task {
        private final SubscriberChunk chunk;
        private final WebSocketMessage message;
        private final String offset;

        ChunkDelivery(SubscriberChunk chunk, int subscribers, WebSocketMessage message, String offset) {
            super(subscribers, message.size());
            this.chunk = chunk;
            this.message = message;
            this.offset = offset;
        }

        @Override
        void run() {
            try {
                metrics.sent(chunk.deliver(message, offset));
            }
            finally {
                pendingTasks.decrementAndGet();
            }
        }
    }

    /** How a channel's events are delivered. */
    enum Kind {
        /** {@code {"type":"message",…}} */
        MESSAGE,
        /** {@code {"type":"notification",…}}: a per-user channel. */
        NOTIFICATION,
        /** Binary frames holding the payload as published. */
        BINARY,
        /** Finished join and leave messages (the hub's own {@code $presence:} channels). */
        PRESENCE_EVENTS
    }
}
