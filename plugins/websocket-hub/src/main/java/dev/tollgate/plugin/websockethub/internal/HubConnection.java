package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Principal;
import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.HistoryGapException;
import dev.tollgate.api.event.PresenceMember;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketMessage;
import dev.tollgate.api.websocket.WebSocketSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * One client connection of the hub: the {@link WebSocketHandler} of its session, the protocol
 * interpreter for its requests, and the owner of its subscriptions.
 *
 * <p>Session events arrive one at a time on I/O threads; bus completions (history, presence,
 * publish acknowledgements) and channel messages arrive on other threads, so the subscriptions
 * sit in a concurrent map and the closed flag is checked after every registration (a
 * subscription that lands after the close is cancelled by whoever sees the flag). Nothing here
 * blocks: sending only queues, bus calls return stages.
 *
 * <h2>Authentication</h2>
 * The principal the connection acts as is the session's: the one the route's filters set at
 * the upgrade, or, on a route with first-message authentication, the one they establish from
 * the token of an {@code auth} message ({@link dev.tollgate.api.http.Exchange#authenticate}).
 * Until then the connection may only send {@code auth} and {@code ping}, is subscribed to
 * nothing and is not counted as any user's; it is closed when its route's {@code auth.timeout}
 * passes first. The authentication state moves one way, by compare-and-set, so the answer of the
 * filters (on whatever thread), the deadline (on the scheduler) and the close (on an I/O thread)
 * cannot both win: {@code AWAITING → CHECKING → AUTHENTICATED}, or to {@code ENDED} from either
 * of the first two. A connection is never authenticated twice: its user is fixed for its life.
 */
final class HubConnection implements WebSocketHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HubConnection.class);

    private final Hub hub;
    private final HubEndpoint endpoint;
    private final RouteSettings route;
    private final List<String> routeChannels;
    private final String routeSince;
    private final Admission admission;
    private final Map<String, ChannelSubscription> subscriptions = new ConcurrentHashMap<>();
    private final AtomicInteger countedSubscriptions = new AtomicInteger();
    private final AtomicBoolean slowConsumerClosed = new AtomicBoolean();
    private final AtomicReference<Authentication> authentication;
    /** Who the connection acts as; null while anonymous (or not authenticated yet). */
    private volatile Principal principal;
    /** Closes a connection that has not authenticated in time; null when none is pending. */
    private volatile ScheduledFuture<?> authenticationDeadline;
    private volatile WebSocketSession session;
    private volatile boolean closed;
    /** This connection as a presence member; set when the session opens, or when it authenticates. */
    private volatile PresenceMember member;

    /**
     * @param principal the principal of the upgrade, or null
     * @param awaitingAuthentication whether the connection must authenticate with a first message
     *        (then {@code principal} is null and {@code routeChannels} empty: they are decided then)
     * @param routeChannels the route's channels for this connection, already permitted
     * @param routeSince the offset to recover the route's channels from, or null
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
        this.authentication = new AtomicReference<>(awaitingAuthentication ? Authentication.AWAITING : Authentication.NOT_NEEDED);
        this.routeChannels = List.copyOf(routeChannels);
        this.routeSince = routeSince;
        this.admission = requireNonNull(admission, "admission is null");
    }

    // --- Session events

    @Override
    public void onOpen(WebSocketSession newSession) {
        if (!admission.open()) {
            // The handshake took so long that its capacity was given back: let the client retry.
            newSession.close(1013, "try again later");
            return;
        }
        session = newSession;
        hub.connectionOpened(this);
        endpoint.connectionOpened(this);
        if (authentication.get() == Authentication.AWAITING) {
            Duration timeout = route.authentication().timeout();
            authenticationDeadline = hub.scheduler().schedule(this::authenticationTimedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        member = presenceMember();
        subscribeAtStart(routeChannels);
    }

    /** This connection as a presence member, under its principal's name (empty when anonymous). */
    private PresenceMember presenceMember() {
        Principal current = principal;
        return new PresenceMember(hub.instanceId() + "/" + session.id(), current == null ? "" : current.name(),
                Map.of("since", hub.clock().instant().toString()));
    }

    /** Subscribes a connection that may act (authenticated or anonymous) to its route's channels and the broadcast channel. */
    private void subscribeAtStart(List<String> channels) {
        for (String channel : channels) {
            try {
                subscribe(channel, null, routeSince, false, true);
            }
            catch (ProtocolException e) {
                reply(ServerMessages.error(null, channel, e.error(), e.getMessage()));
            }
        }
        hub.settings().broadcastChannel().ifPresent(channel -> {
            if (!subscriptions.containsKey(channel)) {
                try {
                    subscribe(channel, null, null, false, false);
                }
                catch (ProtocolException e) {
                    reply(ServerMessages.error(null, channel, e.error(), e.getMessage()));
                }
            }
        });
    }

    @Override
    public void onText(WebSocketSession ignored, String text) {
        hub.metrics().received();
        ClientRequest request;
        try {
            request = ClientRequest.parse(text);
        }
        catch (ProtocolException e) {
            reply(ServerMessages.error(null, null, e.error(), e.getMessage()));
            return;
        }
        try {
            handle(request);
        }
        catch (ProtocolException e) {
            reply(ServerMessages.error(request.id(), request.channel(), e.error(), e.getMessage()));
        }
    }

    @Override
    public void onBinary(WebSocketSession ignored, ByteBuffer data) {
        hub.metrics().received();
        reply(ServerMessages.error(null, null, ProtocolError.BAD_MESSAGE, "the hub takes JSON text messages, not binary ones"));
    }

    @Override
    public void onClose(WebSocketSession ignored, int code, String reason) {
        closed = true;
        endAuthentication();
        for (ChannelSubscription subscription : subscriptions.values()) {
            release(subscription);
        }
        subscriptions.clear();
        admission.release();
        hub.connectionClosed(this);
        endpoint.connectionClosed(this);
    }

    /** Starts the closing handshake (after what is queued). */
    void close(int code, String reason) {
        WebSocketSession current = session;
        if (current != null) {
            current.close(code, reason);
        }
    }

    long queuedBytes() {
        WebSocketSession current = session;
        return current == null ? 0 : current.queuedBytes();
    }

    int maxQueuedMessages() {
        return route.webSocket().maxQueuedMessages();
    }

    // --- Requests

    private void handle(ClientRequest request) throws ProtocolException {
        switch (request.type()) {
            case "auth" -> authRequest(request);
            case "ping" -> reply(ServerMessages.pong(request.id()));
            default -> {
                Authentication state = authentication.get();
                if (state != Authentication.NOT_NEEDED && state != Authentication.AUTHENTICATED) {
                    throw new ProtocolException(ProtocolError.UNAUTHORIZED, "authenticate first: {\"type\":\"auth\",\"token\":…}");
                }
                switch (request.type()) {
                    case "subscribe" -> subscribeRequest(request);
                    case "unsubscribe" -> unsubscribeRequest(request);
                    case "publish" -> publishRequest(request);
                    case "presence" -> presenceRequest(request);
                    default -> throw new ProtocolException(ProtocolError.UNKNOWN_TYPE, "unknown message type '" + request.type() + "'");
                }
            }
        }
    }

    // --- Authentication

    /**
     * {@code auth}: presents the token to the route's authentication filters; the reply
     * ({@code authenticated}, or an error and a close) follows when they have answered.
     */
    private void authRequest(ClientRequest request) throws ProtocolException {
        Authentication state = authentication.get();
        if (state == Authentication.NOT_NEEDED) {
            if (principal != null) {
                throw new ProtocolException(ProtocolError.ALREADY_AUTHENTICATED,
                        "this connection is authenticated already; open a new connection to change user");
            }
            throw new ProtocolException(ProtocolError.FORBIDDEN, "this route does not take first-message authentication");
        }
        if (state != Authentication.AWAITING) {
            throw new ProtocolException(ProtocolError.ALREADY_AUTHENTICATED, state == Authentication.CHECKING
                    ? "this connection's authentication is being checked" : "this connection is authenticated already");
        }
        String token = request.token();
        if (token == null || token.isEmpty()) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "auth needs a token");
        }
        if (!isTokenText(token)) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "a token is printable ASCII without spaces");
        }
        if (!authentication.compareAndSet(Authentication.AWAITING, Authentication.CHECKING)) {
            throw new ProtocolException(ProtocolError.ALREADY_AUTHENTICATED, "this connection's authentication is being checked");
        }
        RouteSettings.Authentication settings = route.authentication();
        Headers credentials = Headers.create().set(settings.header(), settings.credential(token));
        CompletionStage<Optional<Principal>> checked;
        try {
            checked = session.exchange().authenticate(credentials);
        }
        catch (RuntimeException e) {
            checked = CompletableFuture.failedFuture(e);
        }
        checked.whenComplete((authenticated, failure) -> authenticationChecked(request.id(), authenticated, failure));
    }

    /** The route's filters answered an {@code auth}; on any thread. */
    private void authenticationChecked(String id, Optional<Principal> authenticated, Throwable failure) {
        if (authentication.get() != Authentication.CHECKING) {
            return;
        }
        if (failure != null) {
            refuseAuthentication(id, Hub.unwrap(failure));
            return;
        }
        if (authenticated.isEmpty()) {
            refuseAuthentication(id, new GatewayException(ErrorCode.UNAUTHORIZED, "the token was not accepted"));
            return;
        }
        Principal user = authenticated.get();
        if (!admission.bindUser(user.name())) {
            refuseAuthentication(id, new GatewayException(ErrorCode.TOO_MANY_REQUESTS, hub.capacity().userLimitMessage()));
            return;
        }
        List<String> channels;
        try {
            channels = endpoint.routeChannels(session.exchange().route(), user);
        }
        catch (GatewayException e) {
            refuseAuthentication(id, e);
            return;
        }
        principal = user;
        member = presenceMember();
        if (!authentication.compareAndSet(Authentication.CHECKING, Authentication.AUTHENTICATED)) {
            // The deadline or the close came first; the close gives the user's count back.
            return;
        }
        cancelAuthenticationDeadline();
        hub.metrics().authenticationAccepted();
        // From here the client's own requests may run on its I/O thread alongside these
        // subscriptions: subscribing is atomic per channel.
        reply(ServerMessages.authenticated(id, user.name()));
        subscribeAtStart(channels);
    }

    /** Answers a refused {@code auth} with an error and closes the connection. */
    private void refuseAuthentication(String id, Throwable failure) {
        if (!endAuthentication()) {
            return;
        }
        hub.metrics().authenticationRefused();
        ProtocolError error;
        int closeCode;
        String closeReason;
        String message;
        if (failure instanceof GatewayException refusal && refusal.code().httpStatus() < 500) {
            message = refusal.getMessage();
            switch (refusal.code()) {
                case FORBIDDEN -> {
                    error = ProtocolError.FORBIDDEN;
                    closeCode = 4003;
                    closeReason = "forbidden";
                }
                case TOO_MANY_REQUESTS -> {
                    error = ProtocolError.TOO_MANY_REQUESTS;
                    closeCode = 4029;
                    closeReason = "too many requests";
                }
                default -> {
                    error = ProtocolError.UNAUTHORIZED;
                    closeCode = 4001;
                    closeReason = "unauthorized";
                }
            }
        }
        else {
            // The runtime logged the cause (with the request id) when it was not a GatewayException.
            LOG.debug("Authentication of {} failed: {}", this, Hub.describe(failure));
            error = ProtocolError.UNAVAILABLE;
            message = "the token cannot be checked now; try again later";
            closeCode = 1013;
            closeReason = "try again later";
        }
        reply(ServerMessages.error(id, null, error, message));
        session.close(closeCode, closeReason);
    }

    /** The route's {@code auth.timeout} passed; on the scheduler. */
    private void authenticationTimedOut() {
        if (!endAuthentication()) {
            return;
        }
        hub.metrics().authenticationTimedOut();
        reply(ServerMessages.error(null, null, ProtocolError.UNAUTHORIZED,
                "not authenticated within " + route.authentication().timeout().toMillis() + " ms"));
        session.close(4001, "authentication timed out");
    }

    /** Ends an authentication that has not succeeded; false when it had succeeded or ended already. */
    private boolean endAuthentication() {
        Authentication state;
        do {
            state = authentication.get();
            if (state != Authentication.AWAITING && state != Authentication.CHECKING) {
                return false;
            }
        }
        while (!authentication.compareAndSet(state, Authentication.ENDED));
        cancelAuthenticationDeadline();
        return true;
    }

    private void cancelAuthenticationDeadline() {
        ScheduledFuture<?> deadline = authenticationDeadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    /** Visible ASCII: a token goes into a header value, so no spaces, controls or line breaks. */
    private static boolean isTokenText(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private void subscribeRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        if (!route.clientSubscriptions()) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, "this route does not take subscriptions from clients");
        }
        Permissions.Rights rights = rightsOn(channel);
        if (!rights.subscribe()) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, "not allowed to subscribe to " + channel);
        }
        if (request.since() != null && !isOffset(request.since())) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "since must be an offset such as 1700000000000-42");
        }
        if (request.presence()) {
            checkPresence(channel, rights);
        }
        subscribe(channel, request.id(), request.since(), request.presence(), true);
    }

    private void unsubscribeRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        ChannelSubscription subscription = subscriptions.remove(channel);
        if (subscription == null) {
            throw new ProtocolException(ProtocolError.NOT_SUBSCRIBED, "not subscribed to " + channel);
        }
        release(subscription);
        reply(ServerMessages.unsubscribed(request.id(), channel));
    }

    private void publishRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        if (request.data() == null) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "publish needs data");
        }
        if (!rightsOn(channel).publish()) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, "not allowed to publish to " + channel);
        }
        hub.metrics().published();
        Hub.call(() -> hub.bus().publish(channel, ByteBuffer.wrap(request.data()))).whenComplete((ignored, failure) -> {
            if (failure == null) {
                reply(ServerMessages.published(request.id(), channel));
            }
            else {
                LOG.debug("Publishing to {} failed: {}", channel, Hub.describe(failure));
                reply(ServerMessages.error(request.id(), channel, ProtocolError.UNAVAILABLE, "the event bus is unavailable"));
            }
        });
    }

    private void presenceRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        checkPresence(channel, rightsOn(channel));
        hub.withPresence(presence -> presence.members(channel)).whenComplete((members, failure) -> {
            if (failure == null) {
                reply(ServerMessages.presence(request.id(), channel, members));
            }
            else {
                LOG.debug("Presence of {} failed: {}", channel, Hub.describe(failure));
                reply(ServerMessages.error(request.id(), channel, ProtocolError.UNAVAILABLE, "presence is unavailable"));
            }
        });
    }

    private void checkPresence(String channel, Permissions.Rights rights) throws ProtocolException {
        if (!rights.presence()) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, "not allowed to see the presence of " + channel);
        }
        if (!hub.settings().channelPolicies().policyFor(channel).presence()) {
            throw new ProtocolException(ProtocolError.PRESENCE_DISABLED, "channel " + channel + " has presence disabled");
        }
    }

    private String channelOf(ClientRequest request) throws ProtocolException {
        String channel = request.channel();
        if (channel == null) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, request.type() + " needs a channel");
        }
        String problem = ChannelNames.problem(channel, hub.settings().maxChannelLength());
        if (problem != null) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, problem);
        }
        return channel;
    }

    private Permissions.Rights rightsOn(String channel) {
        return hub.settings().permissions().rightsOf(channel, principal);
    }

    static boolean isOffset(String offset) {
        try {
            Event.compareOffsets(offset, "0-0");
            return true;
        }
        catch (IllegalArgumentException e) {
            return false;
        }
    }

    // --- Subscriptions

    /**
     * Subscribes to a channel whose permission was checked. The reply ({@code subscribed}, after a
     * {@code RECOVERY_GAP} error if recovery failed) is sent once the subscription is live.
     */
    private void subscribe(String channel, String id, String since, boolean watchPresence, boolean counted) throws ProtocolException {
        if (subscriptions.containsKey(channel)) {
            throw new ProtocolException(ProtocolError.ALREADY_SUBSCRIBED, "already subscribed to " + channel);
        }
        if (counted && countedSubscriptions.incrementAndGet() > route.maxSubscriptions()) {
            countedSubscriptions.decrementAndGet();
            throw new ProtocolException(ProtocolError.TOO_MANY_SUBSCRIPTIONS,
                    "at most " + route.maxSubscriptions() + " subscriptions per connection");
        }
        ChannelSubscription subscription = new ChannelSubscription(this, channel, counted);
        if (subscriptions.putIfAbsent(channel, subscription) != null) {
            if (counted) {
                countedSubscriptions.decrementAndGet();
            }
            throw new ProtocolException(ProtocolError.ALREADY_SUBSCRIBED, "already subscribed to " + channel);
        }
        try {
            hub.attach(subscription);
            if (watchPresence) {
                ChannelSubscription watch = new ChannelSubscription(this, ChannelNames.presenceEvents(channel), false);
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
        if (subscription.local().policy().presence()) {
            subscription.joined(hub.join(channel, member));
        }
        startDelivery(subscription, id, since);
    }

    /** Asks the bus for the latest offset and the missed events where needed, then goes live. */
    private void startDelivery(ChannelSubscription subscription, String id, String since) {
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
        CompletableFuture<String> latest = Hub.call(() -> hub.bus().latestOffset(channel)).toCompletableFuture()
                .exceptionally(failure -> {
                    LOG.debug("Latest offset of {} unavailable: {}", channel, Hub.describe(failure));
                    return null;
                });
        CompletableFuture<Recovery> recovery = since == null
                ? CompletableFuture.completedFuture(null)
                : Hub.call(() -> hub.bus().history(channel, since)).toCompletableFuture()
                .handle((events, failure) -> failure == null ? Recovery.of(events, since) : Recovery.failed(failure));
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
                LOG.error("Starting delivery of {} to {} failed", channel, this, e);
                close(1011, "internal error");
            }
        });
    }

    /** Cancels a subscription (and its presence watch), leaving presence where it joined. */
    private void release(ChannelSubscription subscription) {
        if (!subscription.cancel()) {
            return;
        }
        hub.detach(subscription);
        if (subscription.counted()) {
            countedSubscriptions.decrementAndGet();
        }
        ChannelSubscription watch = subscription.presenceWatch();
        if (watch != null && watch.cancel()) {
            hub.detach(watch);
        }
        CompletionStage<Void> joined = subscription.joined();
        if (joined != null) {
            hub.leave(subscription.channel(), member, joined);
        }
    }

    // --- Sending

    /**
     * Queues a channel message under the channel's slow-consumer policy; never blocks. False when
     * it was not queued.
     */
    boolean deliver(WebSocketMessage message, ChannelPolicy policy) {
        WebSocketSession current = session;
        if (message.size() > route.webSocket().maxQueuedBytes()) {
            hub.metrics().droppedTooLarge();
            return false;
        }
        if (policy.slowConsumer() == ChannelPolicy.SlowConsumer.DROP_OLDEST) {
            if (current.queuedMessages() >= route.webSocket().maxQueuedMessages()
                    || current.queuedBytes() + message.size() > route.webSocket().maxQueuedBytes()) {
                hub.metrics().droppedQueueFull();
            }
            return current.send(message, WebSocketSession.Overflow.DROP_OLDEST);
        }
        if (current.send(message, WebSocketSession.Overflow.REJECT)) {
            return true;
        }
        if (current.isOpen()) {
            hub.metrics().droppedQueueFull();
            closeSlowConsumer(policy);
        }
        return false;
    }

    /** The held-back messages of a subscription that is going live overflowed. */
    void overflowWhileHeld(ChannelPolicy policy) {
        hub.metrics().droppedQueueFull();
        if (policy.slowConsumer() == ChannelPolicy.SlowConsumer.CLOSE) {
            closeSlowConsumer(policy);
        }
    }

    private void closeSlowConsumer(ChannelPolicy policy) {
        if (slowConsumerClosed.compareAndSet(false, true)) {
            hub.metrics().slowConsumerClosed();
            LOG.debug("Closing slow consumer {} with {}", this, policy.closeCode());
            session.close(policy.closeCode(), "slow consumer");
        }
    }

    /** Queues a reply; a reply that does not fit makes room by dropping the oldest queued messages. */
    void reply(WebSocketMessage message) {
        if (session.send(message, WebSocketSession.Overflow.DROP_OLDEST)) {
            hub.metrics().sent(1);
        }
    }

    void sent(long count) {
        hub.metrics().sent(count);
    }

    @Override
    public String toString() {
        WebSocketSession current = session;
        return "HubConnection[" + (current == null ? "opening" : current.id()) + ", "
                + (principal == null ? "anonymous" : principal.name()) + "]";
    }

    /** Where a connection is in authenticating; see the class comment. */
    private enum Authentication {
        /** The upgrade decided: authenticated by the route's filters, or anonymous. */
        NOT_NEEDED,
        /** Waiting for {@code auth}. */
        AWAITING,
        /** The route's filters are checking the token. */
        CHECKING,
        /** Authenticated by the first message. */
        AUTHENTICATED,
        /** Refused, timed out or closed before authenticating. */
        ENDED
    }

    /** What a recovery found: the missed events and how far they reach, or why there are none. */
    private record Recovery(List<Event> events, String through, String gap) {
        static Recovery of(List<Event> events, String since) {
            String through = events.isEmpty() ? since : events.get(events.size() - 1).offset();
            return new Recovery(List.copyOf(events), through == null ? since : through, null);
        }

        static Recovery failed(Throwable failure) {
            Throwable cause = Hub.unwrap(failure);
            String gap = cause instanceof HistoryGapException ? cause.getMessage()
                    : "the channel's history is unavailable: " + Hub.describe(cause);
            return new Recovery(List.of(), null, gap);
        }
    }
}
