package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.websocket.WebSocketSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The settings of one hub route (its endpoint block): what its connections are subscribed to
 * automatically, what clients may do, and the WebSocket limits of its sessions.
 *
 * @param subscribe channels every connection of the route is subscribed to at connect
 * @param clientSubscriptions whether clients may subscribe and unsubscribe with messages
 * @param maxSubscriptions subscriptions a connection may hold, the route's own included (the
 *        broadcast channel is not counted)
 * @param webSocket the sessions' limits and timers
 */
record RouteSettings(List<ChannelTemplate> subscribe, boolean clientSubscriptions, int maxSubscriptions,
                     WebSocketSettings webSocket) {

    RouteSettings {
        subscribe = List.copyOf(subscribe);
        requireNonNull(webSocket, "webSocket is null");
    }

    /**
     * Reads and checks a route's endpoint block.
     *
     * @throws dev.tollgate.api.InvalidConfigException naming the key of a bad value
     */
    static RouteSettings from(PluginConfig config) {
        List<ChannelTemplate> subscribe = new ArrayList<>();
        for (String template : config.getStringList("subscribe")) {
            try {
                subscribe.add(ChannelTemplate.parse(template));
            }
            catch (IllegalArgumentException e) {
                throw config.error("subscribe", e.getMessage());
            }
        }
        int maxSubscriptions = config.getInt("max-subscriptions");
        if (maxSubscriptions < 1) {
            throw config.error("max-subscriptions", "must be at least 1");
        }
        if (maxSubscriptions < subscribe.size()) {
            throw config.error("max-subscriptions", "must be at least the number of channels in subscribe (" + subscribe.size() + ")");
        }
        long maxMessageSize = config.getBytes("max-message-size");
        if (maxMessageSize < 1 || maxMessageSize > Integer.MAX_VALUE) {
            throw config.error("max-message-size", "must be between 1 byte and 2GiB");
        }
        long maxQueuedBytes = config.getBytes("max-queued-bytes");
        if (maxQueuedBytes < 1) {
            throw config.error("max-queued-bytes", "must be positive");
        }
        int maxQueuedMessages = config.getInt("max-queued-messages");
        if (maxQueuedMessages < 1) {
            throw config.error("max-queued-messages", "must be at least 1");
        }
        Duration idleTimeout = config.getDuration("idle-timeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw config.error("idle-timeout", "must be positive");
        }
        Duration pingInterval = config.getDuration("ping-interval");
        if (pingInterval.isNegative()) {
            throw config.error("ping-interval", "must not be negative (0 disables pings)");
        }
        WebSocketSettings webSocket = new WebSocketSettings(idleTimeout, pingInterval, (int) maxMessageSize, maxQueuedBytes,
                maxQueuedMessages, config.getBoolean("permessage-deflate"));
        return new RouteSettings(subscribe, config.getBoolean("client-subscriptions"), maxSubscriptions, webSocket);
    }
}
