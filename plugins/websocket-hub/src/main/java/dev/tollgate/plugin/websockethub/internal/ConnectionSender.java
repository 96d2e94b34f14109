package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.websocket.WebSocketMessage;
import dev.tollgate.api.websocket.WebSocketSession;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static java.util.Objects.requireNonNull;

/**
 * What one connection sends, put on its session's bounded outgoing queue: channel messages under
 * their channel's slow-consumer policy, and replies, which make room for themselves. It counts
 * what it queued and dropped in the hub's metrics, and closes a slow consumer once.
 *
 * <p>Before queueing, it has the connection's {@link Admission} cover the queue's new size from
 * the hub's queue budget. When the budget cannot, the message does not fit, as if the queue were
 * full: a channel message goes to its channel's slow-consumer policy (with {@code drop-oldest} the
 * new message is the one dropped, since evicting would not free budget for it), a reply is dropped.
 * Both are counted as {@code messages_dropped{reason="queue_budget"}}.
 *
 * <p>Thread-safe and never blocks: fan-out lanes and bus threads deliver channel messages, the
 * connection's I/O thread and bus completions queue replies, and any thread may close. Sending
 * only queues ({@link WebSocketSession#send}); the runtime writes the queue out in order.
 */
final class ConnectionSender {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionSender.class);

    private final WebSocketSession session;
    private final WebSocketSettings limits;
    private final Admission admission;
    private final HubMetrics metrics;
    private static final VarHandle SLOW_CONSUMER_CLOSED = FieldHandles.field(MethodHandles.lookup(), "slowConsumerClosed", boolean.class);
    @SuppressWarnings("unused") // through SLOW_CONSUMER_CLOSED
    private volatile boolean slowConsumerClosed;

    /**
     * @param limits the route's session limits, the queue's among them
     * @param admission the connection's share of the hub's capacity, which covers its queue from the budget
     */
    ConnectionSender(WebSocketSession session, WebSocketSettings limits, Admission admission, HubMetrics metrics) {
        this.session = requireNonNull(session, "session is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.admission = requireNonNull(admission, "admission is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    /**
     * Queues a channel message under the channel's slow-consumer policy: a message larger than
     * the whole queue is dropped; with {@code drop-oldest} the oldest queued messages make room;
     * with {@code close} a message that does not fit is refused and the connection closed with
     * the policy's code. A message the queue budget cannot cover does not fit either.
     *
     * @return whether it was queued
     */
    boolean deliver(WebSocketMessage message, ChannelPolicy policy) {
        if (message.size() > limits.maxQueuedBytes()) {
            metrics.droppedTooLarge();
            return false;
        }
        if (!coverQueue(message)) {
            metrics.droppedQueueBudget();
            if (policy.slowConsumer() == ChannelPolicy.SlowConsumer.CLOSE && session.isOpen()) {
                closeSlowConsumer(policy);
            }
            return false;
        }
        if (policy.slowConsumer() == ChannelPolicy.SlowConsumer.DROP_OLDEST) {
            if (session.queuedMessages() >= limits.maxQueuedMessages()
                    || session.queuedBytes() + message.size() > limits.maxQueuedBytes()) {
                metrics.droppedQueueFull();
            }
            return session.send(message, WebSocketSession.Overflow.DROP_OLDEST);
        }
        if (session.send(message, WebSocketSession.Overflow.REJECT)) {
            return true;
        }
        if (session.isOpen()) {
            metrics.droppedQueueFull();
            closeSlowConsumer(policy);
        }
        return false;
    }

    /**
     * The messages a subscription holds back until it goes live overflowed
     * ({@link #maxQueuedMessages()} of them): counted, and under {@code close} the connection is
     * closed as a slow consumer.
     */
    void overflowWhileHeld(ChannelPolicy policy) {
        metrics.droppedQueueFull();
        if (policy.slowConsumer() == ChannelPolicy.SlowConsumer.CLOSE) {
            closeSlowConsumer(policy);
        }
    }

    /** The most messages the session's queue holds; also the bound of what a subscription holds back. */
    int maxQueuedMessages() {
        return limits.maxQueuedMessages();
    }

    private void closeSlowConsumer(ChannelPolicy policy) {
        if (SLOW_CONSUMER_CLOSED.compareAndSet(this, false, true)) {
            metrics.slowConsumerClosed();
            LOG.debug("Closing slow consumer {} with {}", this, policy.closeCode());
            session.close(policy.closeCode(), "slow consumer");
        }
    }

    /**
     * Queues a reply; a reply that does not fit makes room by dropping the oldest queued messages.
     * One that the queue budget cannot cover is dropped.
     */
    void reply(WebSocketMessage message) {
        if (!coverQueue(message)) {
            metrics.droppedQueueBudget();
            return;
        }
        if (session.send(message, WebSocketSession.Overflow.DROP_OLDEST)) {
            metrics.sent(1);
        }
    }

    /** Has the queue budget cover the queue with {@code message} added (at most the whole queue: beyond, the session refuses or evicts). */
    private boolean coverQueue(WebSocketMessage message) {
        return admission.coverQueue(Math.min(session.queuedBytes() + message.size(), limits.maxQueuedBytes()));
    }

    /** Gives back the bytes of the queue budget the queue, having drained, no longer needs; any thread. */
    void trimQueueReservation() {
        admission.trimQueue(session.queuedBytes());
    }

    /** Counts channel messages queued with {@link #deliver} by a caller that counts them in bulk. */
    void sent(long count) {
        metrics.sent(count);
    }

    /** Bytes queued and not yet written. */
    long queuedBytes() {
        return session.queuedBytes();
    }

    /** Starts the closing handshake, after what is queued. */
    void close(int code, String reason) {
        session.close(code, reason);
    }

    @Override
    public String toString() {
        return "session " + session.id();
    }
}
