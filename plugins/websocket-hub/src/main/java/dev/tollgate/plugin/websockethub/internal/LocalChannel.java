package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.websocket.WebSocketMessage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * One bus channel as this instance sees it: a single bus subscription shared by every local
 * subscriber, held while at least one subscriber is left (the {@link Hub} counts them).
 *
 * <h2>Fan-out</h2>
 * An event is encoded once into one {@link WebSocketMessage} and that same message is queued to
 * every subscriber: no copy and no lock per subscriber. Subscribers sit in a concurrent set
 * whose iteration takes no lock and tolerates subscriptions coming and going meanwhile. Sending
 * never blocks (a full queue is the channel's slow-consumer policy's business), so the bus thread
 * calling {@link #onEvent} is never held up by a slow client.
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
    private final byte[] prefix;
    private final Set<ChannelSubscription> subscribers = ConcurrentHashMap.newKeySet();
    private volatile Subscription busSubscription;

    LocalChannel(String name, Kind kind, ChannelPolicy policy, boolean keepsHistory, HubMetrics metrics) {
        this.name = requireNonNull(name, "name is null");
        this.kind = requireNonNull(kind, "kind is null");
        this.policy = requireNonNull(policy, "policy is null");
        this.keepsHistory = keepsHistory;
        this.metrics = requireNonNull(metrics, "metrics is null");
        String type = kind == Kind.NOTIFICATION ? "notification" : "message";
        this.prefix = ("{\"type\":\"" + type + "\",\"channel\":" + new String(Json.quote(name), StandardCharsets.UTF_8) + ",\"data\":")
                .getBytes(StandardCharsets.UTF_8);
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
    }

    void add(ChannelSubscription subscription) {
        subscribers.add(subscription);
    }

    /** Removes a subscriber; true when none is left. */
    boolean remove(ChannelSubscription subscription) {
        subscribers.remove(subscription);
        return subscribers.isEmpty();
    }

    /** Stops listening to the bus. */
    void close() {
        Subscription subscription = busSubscription;
        if (subscription != null) {
            subscription.close();
        }
    }

    /** Called by the bus, possibly concurrently; never blocks. */
    @Override
    public void onEvent(Event event) {
        metrics.eventReceived();
        if (subscribers.isEmpty()) {
            return;
        }
        WebSocketMessage message = encode(event);
        if (message == null) {
            return;
        }
        String offset = event.offset();
        long sent = 0;
        for (ChannelSubscription subscriber : subscribers) {
            if (subscriber.deliver(message, offset)) {
                sent++;
            }
        }
        metrics.sent(sent);
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
        return "LocalChannel[" + name + ", " + subscribers.size() + " subscribers]";
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
