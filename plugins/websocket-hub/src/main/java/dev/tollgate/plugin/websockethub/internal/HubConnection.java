package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.Principal;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSession;

import java.nio.ByteBuffer;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * One client connection of the hub, as its session sees it: the {@link WebSocketHandler} that
 * opens the connection on its admission, builds the parts that do the work, hands them the
 * session's events and takes everything down at the close.
 *
 * <ul>
 *   <li>{@link ConnectionSender}: what the connection sends, under flow control;</li>
 *   <li>{@link ConnectionAuthentication}: who it acts as, and first-message authentication;</li>
 *   <li>{@link ConnectionSubscriptions}: its subscriptions, started through {@link Recovery};</li>
 *   <li>{@link ClientProtocol}: what its client's messages ask for.</li>
 * </ul>
 *
 * <p>When the session opens, a connection that may act (authenticated at the upgrade, or
 * anonymous) is subscribed to its route's channels and the broadcast channel at once; one that
 * must authenticate with its first message is, once it has.
 *
 * <p>Threading: the session's events arrive one at a time on I/O threads, {@link #onOpen} first
 * and {@link #onClose} last; the parts are built in {@code onOpen} and published through volatile
 * fields before the connection is registered with the hub, so {@link #close},
 * {@link #queuedBytes} and {@link #trimQueueReservation}, called from any thread for a registered connection, see them. Nothing
 * here blocks.
 */
final class HubConnection implements WebSocketHandler {
    private final Hub hub;
    private final HubEndpoint endpoint;
    private final RouteSettings route;
    private final Principal principal;
    private final boolean awaitingAuthentication;
    private final List<String> routeChannels;
    private final String routeSince;
    private final Admission admission;
    // Built by onOpen; null before, or when the session opened too late for its admission.
    private volatile ConnectionSender sender;
    private volatile ConnectionAuthentication authentication;
    private volatile ConnectionSubscriptions subscriptions;
    private volatile ClientProtocol protocol;

    /**
     * @param principal the principal of the upgrade, or null
     * @param awaitingAuthentication whether the connection must authenticate with a first message
     *        (then {@code principal} is null and {@code routeChannels} empty: they are decided then)
     * @param routeChannels the route's channels for this connection, already permitted
     * @param routeSince the offset to recover the route's channels from, or null
     * @param admission the connection's share of the hub's capacity, opened with the session and
     *        released at its close
     */
    HubConnection(Hub hub, HubEndpoint endpoint, RouteSettings route, Principal principal, boolean awaitingAuthentication,
                  List<String> routeChannels, String routeSince, Admission admission) {
        this.hub = requireNonNull(hub, "hub is null");
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        this.route = requireNonNull(route, "route is null");
        if (awaitingAuthentication && (principal != null || !routeChannels.isEmpty())) {
            throw new IllegalArgumentException("a connection awaiting authentication has no principal and no channels yet");
        }
        this.principal = principal;
        this.awaitingAuthentication = awaitingAuthentication;
        this.routeChannels = List.copyOf(routeChannels);
        this.routeSince = routeSince;
        this.admission = requireNonNull(admission, "admission is null");
    }

    @Override
    public void onOpen(WebSocketSession session) {
        if (!admission.open()) {
            // The handshake took so long that its capacity was given back: let the client retry.
            session.close(1013, "try again later");
            return;
        }
        ConnectionSender newSender = new ConnectionSender(session, route.webSocket(), admission, hub.metrics());
        ConnectionAuthentication newAuthentication = new ConnectionAuthentication(hub, endpoint, route.authentication(), session,
                newSender, admission, principal, awaitingAuthentication, this::startActing);
        ConnectionSubscriptions newSubscriptions = new ConnectionSubscriptions(hub, newSender, route.maxSubscriptions(),
                newAuthentication::member);
        sender = newSender;
        authentication = newAuthentication;
        subscriptions = newSubscriptions;
        protocol = new ClientProtocol(hub, route, newSender, newAuthentication, newSubscriptions,
                new ClientLimits(route.maxMessagesPerSecond(), route.maxPublishesInFlight(), System::nanoTime));
        hub.connectionOpened(this);
        endpoint.connectionOpened(this);
        if (newAuthentication.start()) {
            startActing(routeChannels);
        }
    }

    /** The connection may act (at open, or once authenticated): subscribes it to its route's channels and the broadcast channel. */
    private void startActing(List<String> channels) {
        subscriptions.subscribeAtStart(channels, routeSince);
    }

    @Override
    public void onText(WebSocketSession ignored, String text) {
        protocol.receiveText(text);
    }

    @Override
    public void onBinary(WebSocketSession ignored, ByteBuffer data) {
        protocol.receiveBinary();
    }

    @Override
    public void onClose(WebSocketSession ignored, int code, String reason) {
        ConnectionAuthentication currentAuthentication = authentication;
        if (currentAuthentication != null) {
            currentAuthentication.end();
        }
        ConnectionSubscriptions currentSubscriptions = subscriptions;
        if (currentSubscriptions != null) {
            currentSubscriptions.close();
        }
        admission.release();
        hub.connectionClosed(this);
        endpoint.connectionClosed(this);
    }

    /** Starts the closing handshake (after what is queued); any thread. */
    void close(int code, String reason) {
        ConnectionSender current = sender;
        if (current != null) {
            current.close(code, reason);
        }
    }

    /** Gives back the bytes of the queue budget its drained queue no longer needs; any thread. */
    void trimQueueReservation() {
        ConnectionSender current = sender;
        if (current != null) {
            current.trimQueueReservation();
        }
    }

    /** Bytes queued to the client and not yet written; any thread. */
    long queuedBytes() {
        ConnectionSender current = sender;
        return current == null ? 0 : current.queuedBytes();
    }

    @Override
    public String toString() {
        // The sender is published before the authentication.
        ConnectionAuthentication current = authentication;
        return "HubConnection[" + (current == null ? "opening" : sender + ", " + current) + "]";
    }
}
