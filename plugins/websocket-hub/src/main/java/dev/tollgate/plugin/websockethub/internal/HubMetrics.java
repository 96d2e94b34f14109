package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.metrics.Metrics;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The hub's metrics, exported as {@code tollgate_websocket_hub_<name>}. Looked up once; updating
 * them is a striped counter increment, cheap enough for the fan-out loop (which adds its count
 * once per event, not once per subscriber).
 */
final class HubMetrics {
    private final Metrics metrics;
    private final Metrics.Counter opened;
    private final Metrics.Counter refusedCapacity;
    private final Metrics.Counter refusedQueueBudget;
    private final Metrics.Counter refusedUserLimit;
    private final Metrics.Counter received;
    private final Metrics.Counter sent;
    private final Metrics.Counter events;
    private final Metrics.Counter droppedQueueFull;
    private final Metrics.Counter droppedTooLarge;
    private final Metrics.Counter droppedFanOutFull;
    private final Metrics.Counter droppedQueueBudget;
    private final Metrics.Counter slowConsumerCloses;
    private final Metrics.Counter published;
    private final Metrics.Counter refusedRate;
    private final Metrics.Counter refusedPublishesInFlight;
    private final Metrics.Counter abuseCloses;
    private final Metrics.Counter authenticationsAccepted;
    private final Metrics.Counter authenticationsRefused;
    private final Metrics.Counter authenticationsTimedOut;
    private final Metrics.Counter authenticationsRefreshed;
    private final Metrics.Counter authenticationsExpired;
    private volatile long lastFanOutDropNanos;
    private volatile boolean fanOutDropped;

    HubMetrics(Metrics metrics) {
        this.metrics = metrics;
        this.opened = metrics.counter("connections_opened");
        this.refusedCapacity = metrics.counter("connections_refused", "reason", "capacity");
        this.refusedQueueBudget = metrics.counter("connections_refused", "reason", "queue_budget");
        this.refusedUserLimit = metrics.counter("connections_refused", "reason", "user_limit");
        this.received = metrics.counter("messages_received");
        this.sent = metrics.counter("messages_sent");
        this.events = metrics.counter("events_received");
        this.droppedQueueFull = metrics.counter("messages_dropped", "reason", "queue_full");
        this.droppedTooLarge = metrics.counter("messages_dropped", "reason", "too_large");
        this.droppedFanOutFull = metrics.counter("messages_dropped", "reason", "fan_out_full");
        this.droppedQueueBudget = metrics.counter("messages_dropped", "reason", "queue_budget");
        this.slowConsumerCloses = metrics.counter("slow_consumer_closes");
        this.published = metrics.counter("messages_published");
        this.refusedRate = metrics.counter("messages_refused", "reason", "rate_limit");
        this.refusedPublishesInFlight = metrics.counter("messages_refused", "reason", "publishes_in_flight");
        this.abuseCloses = metrics.counter("abuse_closes");
        this.authenticationsAccepted = metrics.counter("authentications", "result", "accepted");
        this.authenticationsRefused = metrics.counter("authentications", "result", "refused");
        this.authenticationsTimedOut = metrics.counter("authentications", "result", "timed_out");
        this.authenticationsRefreshed = metrics.counter("authentications", "result", "refreshed");
        this.authenticationsExpired = metrics.counter("authentications", "result", "expired");
    }

    void gauge(String name, Supplier<? extends Number> value) {
        metrics.gauge(name, value);
    }

    void opened() {
        opened.increment();
    }

    void refusedForCapacity() {
        refusedCapacity.increment();
    }

    void refusedForQueueBudget() {
        refusedQueueBudget.increment();
    }

    void refusedForUserLimit() {
        refusedUserLimit.increment();
    }

    /** A client message arrived. */
    void received() {
        received.increment();
    }

    /** Messages were queued to clients (channel messages and replies). */
    void sent(long count) {
        if (count > 0) {
            sent.increment(count);
        }
    }

    /** An event of a subscribed channel arrived from the bus. */
    void eventReceived() {
        events.increment();
    }

    /** A message found its subscriber's queue full (drop-oldest made room, or close refused it). */
    void droppedQueueFull() {
        droppedQueueFull.increment();
    }

    /** A message was larger than its subscriber's whole queue. */
    void droppedTooLarge() {
        droppedTooLarge.increment();
    }

    /** A message (or reply) was not queued because the queue budget could not cover its queue growing. */
    void droppedQueueBudget() {
        droppedQueueBudget.increment();
    }

    /**
     * An event was not fanned out to a chunk of subscribers because its lane was full: the gateway
     * cannot write as fast as events arrive.
     *
     * @param subscribers how many subscribers missed it
     */
    void droppedFanOutFull(long subscribers) {
        droppedFanOutFull.increment(subscribers);
        lastFanOutDropNanos = System.nanoTime();
        fanOutDropped = true;
    }

    /** Whether a fan-out drop happened within {@code window} of now. */
    boolean fanOutDroppedWithin(Duration window) {
        return fanOutDropped && System.nanoTime() - lastFanOutDropNanos <= window.toNanos();
    }

    /** Messages not fanned out because a lane was full, since the start. */
    long fanOutDropped() {
        return droppedFanOutFull.count();
    }

    void slowConsumerClosed() {
        slowConsumerCloses.increment();
    }

    /** A client published to the bus. */
    void published() {
        published.increment();
    }

    /** A client message was refused: the client sent more than its route's max-messages-per-second. */
    void refusedForRate() {
        refusedRate.increment();
    }

    /** A client publish was refused: the client had its route's max-publishes-in-flight waiting for the bus. */
    void refusedForPublishesInFlight() {
        refusedPublishesInFlight.increment();
    }

    /** A connection was closed (1008) for going on after being refused by its limits. */
    void abuseClosed() {
        abuseCloses.increment();
    }

    /** A first-message authentication succeeded. */
    void authenticationAccepted() {
        authenticationsAccepted.increment();
    }

    /** A first-message authentication was refused (by the filters, the user limit or the route's channels). */
    void authenticationRefused() {
        authenticationsRefused.increment();
    }

    /** A connection did not authenticate within its route's {@code auth.timeout}. */
    void authenticationTimedOut() {
        authenticationsTimedOut.increment();
    }

    /** A session's fresh token was accepted in place of the one about to expire. */
    void authenticationRefreshed() {
        authenticationsRefreshed.increment();
    }

    /** A session was closed (4001) because its authentication expired. */
    void authenticationExpired() {
        authenticationsExpired.increment();
    }
}
