package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * The hub on one route: checks a WebSocket upgrade (the route's channels for this connection and
 * the permission to subscribe to them, the instance's capacity) and accepts it with a
 * {@link HubConnection}.
 *
 * <p>Everything that can refuse a connection is decided before upgrading, so a refused client
 * gets an HTTP error: 400 for a request that is not an upgrade, 401 or 403 when the route's
 * channels are not allowed to it, 429 above the per-user limit, 503 at the connection cap or when
 * the queue budget is used up. The exception is a connection without a principal on a route with
 * first-message authentication: it is accepted, and what depends on its user (the per-user
 * limit, the route's channels and their permissions) is decided when it has authenticated.
 *
 * <p>Thread-safe; {@link #handle} runs on I/O threads and never blocks.
 */
final class HubEndpoint implements Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(HubEndpoint.class);

    private final Hub hub;
    private final RouteSettings route;
    private final Runnable onClose;
    private final Set<HubConnection> connections = ConcurrentHashMap.newKeySet();

    /**
     * @param onClose gives the endpoint's use of the shared hub back; run once by {@link #close()}
     */
    HubEndpoint(Hub hub, RouteSettings route, Runnable onClose) {
        this.hub = requireNonNull(hub, "hub is null");
        this.route = requireNonNull(route, "route is null");
        this.onClose = requireNonNull(onClose, "onClose is null");
    }

    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        if (!exchange.request().isWebSocketUpgrade()) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.BAD_REQUEST, "this route takes WebSocket connections only"));
        }
        Principal principal = exchange.principal().orElse(null);
        // Without a principal on a first-message route, the route's channels wait for the user.
        boolean awaitingAuthentication = principal == null && route.authentication().firstMessage();
        List<String> channels;
        String since;
        Admission admission;
        try {
            channels = awaitingAuthentication ? List.of() : routeChannels(exchange.route(), principal);
            since = routeSince(exchange);
            admission = hub.capacity().admit(principal == null ? null : principal.name(), queueReservation(hub.settings(), route));
        }
        catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        HubConnection connection = new HubConnection(hub, this, route, principal, awaitingAuthentication, channels, since, admission);
        CompletionStage<Void> upgrade;
        try {
            upgrade = exchange.upgradeToWebSocket(connection, route.webSocket());
        }
        catch (RuntimeException e) {
            admission.release();
            return CompletableFuture.failedFuture(e);
        }
        return upgrade.whenComplete((ignored, failure) -> {
            if (failure != null) {
                admission.release();
            }
        });
    }

    /** What a connection of the route reserves from the queue budget: the hub's reservation, or the route's whole queue when smaller. */
    static long queueReservation(HubSettings settings, RouteSettings route) {
        return Math.min(settings.queueReservation(), route.webSocket().maxQueuedBytes());
    }

    /**
     * The route's channels for a connection of {@code principal} (null: anonymous), each permitted.
     *
     * @throws GatewayException {@code UNAUTHORIZED} or {@code FORBIDDEN} for a channel the
     *         connection may not subscribe to ({@code FORBIDDEN} for a reserved one, whoever asks), {@code BAD_REQUEST} for an invalid channel name,
     *         {@code INTERNAL_ERROR} for a template the route's path cannot fill
     */
    List<String> routeChannels(Exchange.Route matched, Principal principal) {
        List<String> channels = new ArrayList<>(route.subscribe().size());
        for (ChannelTemplate template : route.subscribe()) {
            String channel;
            try {
                channel = template.resolve(matched.pathParameters(), principal == null ? null : principal.name());
            }
            catch (ChannelTemplate.MissingValueException e) {
                if (e.placeholder().equals("{user}")) {
                    throw new GatewayException(ErrorCode.UNAUTHORIZED, "this route needs an authenticated user");
                }
                LOG.error("Route {} subscribes to '{}' but its path template {} has no {}", matched.id(), template,
                        matched.pathTemplate(), e.placeholder());
                throw new GatewayException(ErrorCode.INTERNAL_ERROR, "the route is misconfigured");
            }
            String problem = ChannelNames.problem(channel, hub.settings().maxChannelLength());
            if (problem != null) {
                throw new GatewayException(ErrorCode.BAD_REQUEST, problem);
            }
            String reserved = hub.settings().permissions().reserved().reason(channel);
            if (reserved != null) {
                throw new GatewayException(ErrorCode.FORBIDDEN, reserved);
            }
            if (!hub.settings().permissions().rightsOf(channel, principal).subscribe()) {
                throw principal == null
                        ? new GatewayException(ErrorCode.UNAUTHORIZED, "channel " + channel + " needs an authenticated user")
                        : new GatewayException(ErrorCode.FORBIDDEN, "not allowed to subscribe to " + channel);
            }
            if (!channels.contains(channel)) {
                channels.add(channel);
            }
        }
        return channels;
    }

    /** {@code ?since=} for recovering the route's channels, when it has any. */
    private String routeSince(Exchange exchange) {
        String since = route.subscribe().isEmpty() ? null : exchange.request().queryParameter("since");
        if (since != null && !Recovery.isOffset(since)) {
            throw new GatewayException(ErrorCode.BAD_REQUEST, "since must be an offset such as 1700000000000-42");
        }
        return since;
    }

    void connectionOpened(HubConnection connection) {
        connections.add(connection);
    }

    void connectionClosed(HubConnection connection) {
        connections.remove(connection);
    }

    /** Closes this route's connections with 1001 (going away) and gives the shared hub back. */
    @Override
    public void close() {
        for (HubConnection connection : connections) {
            connection.close(1001, "gateway stopping");
        }
        onClose.run();
    }
}
