package dev.tollgate.plugin.websockethub.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

import static java.util.Objects.requireNonNull;

/**
 * The hub's protocol on one connection: turns each client message into an action and answers
 * it. A text frame is parsed into a {@link ClientRequest}; {@code ping} is answered here,
 * {@code auth} goes to the connection's {@link ConnectionAuthentication}, and every other request
 * — only once the connection {@linkplain ConnectionAuthentication#mayAct() may act} — is checked
 * (channel name, route, permissions, channel policy) and carried out: {@code subscribe} and
 * {@code unsubscribe} on the connection's {@link ConnectionSubscriptions}, {@code publish} and
 * {@code presence} on the bus.
 *
 * <p>Each request gets exactly one reply with its {@code id}; a request that cannot be carried out
 * gets an {@code error} instead and leaves the connection as it was (only {@code auth} may close
 * it, and the {@link ClientLimits}: every message counts against the client's rate, every
 * {@code publish} waits for the bus within its publishes in flight, and a client that goes on
 * after being refused for them is closed with 1008). The messages and codes are the module README's.
 *
 * <p>Threading: {@link #receiveText} and {@link #receiveBinary} are called by the connection's I/O
 * thread, one message at a time, and never block. Replies to requests the bus answers
 * ({@code publish}, {@code presence}) are queued by the thread completing the bus's stage;
 * {@code subscribed} by the thread that starts delivery ({@link Recovery}).
 */
final class ClientProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(ClientProtocol.class);

    private final Hub hub;
    private final RouteSettings route;
    private final ConnectionSender sender;
    private final ConnectionAuthentication authentication;
    private final ConnectionSubscriptions subscriptions;
    private final ClientLimits limits;
    /** Closed for abuse: what the client still sends is ignored. I/O thread only. */
    private boolean closing;

    ClientProtocol(Hub hub, RouteSettings route, ConnectionSender sender, ConnectionAuthentication authentication,
                   ConnectionSubscriptions subscriptions, ClientLimits limits) {
        this.hub = requireNonNull(hub, "hub is null");
        this.route = requireNonNull(route, "route is null");
        this.sender = requireNonNull(sender, "sender is null");
        this.authentication = requireNonNull(authentication, "authentication is null");
        this.subscriptions = requireNonNull(subscriptions, "subscriptions is null");
        this.limits = requireNonNull(limits, "limits is null");
    }

    /** A text message from the client. */
    void receiveText(String text) {
        hub.metrics().received();
        if (closing) {
            return;
        }
        ClientRequest request;
        try {
            request = ClientRequest.parse(text);
        }
        catch (ProtocolException e) {
            if (withinRate(null, null)) {
                sender.reply(ServerMessages.error(null, null, e.error(), e.getMessage()));
            }
            return;
        }
        if (!withinRate(request.id(), request.channel())) {
            return;
        }
        try {
            handle(request);
        }
        catch (ProtocolException e) {
            sender.reply(ServerMessages.error(request.id(), request.channel(), e.error(), e.getMessage()));
        }
    }

    /** A binary message from the client: the protocol has none. */
    void receiveBinary() {
        hub.metrics().received();
        if (!closing && withinRate(null, null)) {
            sender.reply(ServerMessages.error(null, null, ProtocolError.BAD_MESSAGE, "the hub takes JSON text messages, not binary ones"));
        }
    }

    /** Counts a message against the client's rate; false when it is refused (answered, or the connection closed). */
    private boolean withinRate(String id, String channel) {
        ClientLimits.Verdict verdict = limits.admitMessage();
        if (verdict == ClientLimits.Verdict.ACCEPT) {
            return true;
        }
        hub.metrics().refusedForRate();
        refuse(verdict, id, channel, "at most " + limits.messagesPerSecond() + " messages per second");
        return false;
    }

    /** Answers a message refused by a limit with {@code TOO_MANY_REQUESTS}, and closes the connection (1008) on abuse. */
    private void refuse(ClientLimits.Verdict verdict, String id, String channel, String message) {
        sender.reply(ServerMessages.error(id, channel, ProtocolError.TOO_MANY_REQUESTS, message));
        if (verdict == ClientLimits.Verdict.CLOSE) {
            closing = true;
            hub.metrics().abuseClosed();
            LOG.debug("Closing {}: it went on sending after being refused", sender);
            sender.close(1008, "too many messages");
        }
    }

    private void handle(ClientRequest request) throws ProtocolException {
        switch (request.type()) {
            case "auth" -> authentication.authenticate(request);
            case "ping" -> sender.reply(ServerMessages.pong(request.id()));
            default -> {
                if (!authentication.mayAct()) {
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

    private void subscribeRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        if (!route.clientSubscriptions()) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, "this route does not take subscriptions from clients");
        }
        Permissions.Rights rights = rightsOn(channel);
        if (!rights.subscribe()) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, "not allowed to subscribe to " + channel);
        }
        if (request.since() != null && !Recovery.isOffset(request.since())) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "since must be an offset such as 1700000000000-42");
        }
        if (request.presence()) {
            checkPresence(channel, rights);
        }
        subscriptions.subscribe(channel, request.id(), request.since(), request.presence(), true);
    }

    private void unsubscribeRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        subscriptions.unsubscribe(channel);
        sender.reply(ServerMessages.unsubscribed(request.id(), channel));
    }

    private void publishRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        if (request.data() == null) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "publish needs data");
        }
        if (!rightsOn(channel).publish()) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, "not allowed to publish to " + channel);
        }
        if (!limits.tryStartPublish()) {
            hub.metrics().refusedForPublishesInFlight();
            refuse(limits.refused(), request.id(), channel,
                    "at most " + limits.maxPublishesInFlight() + " publishes in flight: wait for their published replies");
            return;
        }
        hub.metrics().published();
        Hub.call(() -> hub.bus().publish(channel, ByteBuffer.wrap(request.data()))).whenComplete((ignored, failure) -> {
            limits.publishDone();
            if (failure == null) {
                sender.reply(ServerMessages.published(request.id(), channel));
            }
            else {
                LOG.debug("Publishing to {} failed: {}", channel, Hub.describe(failure));
                sender.reply(ServerMessages.error(request.id(), channel, ProtocolError.UNAVAILABLE, "the event bus is unavailable"));
            }
        });
    }

    private void presenceRequest(ClientRequest request) throws ProtocolException {
        String channel = channelOf(request);
        checkPresence(channel, rightsOn(channel));
        hub.withPresence(presence -> presence.members(channel)).whenComplete((members, failure) -> {
            if (failure == null) {
                sender.reply(ServerMessages.presence(request.id(), channel, members));
            }
            else {
                LOG.debug("Presence of {} failed: {}", channel, Hub.describe(failure));
                sender.reply(ServerMessages.error(request.id(), channel, ProtocolError.UNAVAILABLE, "presence is unavailable"));
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

    /** The request's channel, checked as a name a client may use and not reserved for the gateway. */
    private String channelOf(ClientRequest request) throws ProtocolException {
        String channel = request.channel();
        if (channel == null) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, request.type() + " needs a channel");
        }
        String problem = ChannelNames.problem(channel, hub.settings().maxChannelLength());
        if (problem != null) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, problem);
        }
        String reserved = hub.settings().permissions().reserved().reason(channel);
        if (reserved != null) {
            throw new ProtocolException(ProtocolError.FORBIDDEN, reserved);
        }
        return channel;
    }

    private Permissions.Rights rightsOn(String channel) {
        return hub.settings().permissions().rightsOf(channel, authentication.principal());
    }
}
