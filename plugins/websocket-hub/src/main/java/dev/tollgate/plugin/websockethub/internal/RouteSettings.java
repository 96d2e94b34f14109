package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.websocket.WebSocketSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The settings of one hub route (its endpoint block): what its connections are subscribed to
 * automatically, what clients may do, and the WebSocket limits of its sessions.
 *
 * @param subscribe channels every connection of the route is subscribed to at connect
 * @param clientSubscriptions whether clients may subscribe and unsubscribe with messages
 * @param maxSubscriptions subscriptions a connection may hold, the route's own included (the
 *        broadcast channel is not counted)
 * @param maxMessagesPerSecond messages a client may send per second (and in a burst); see {@link ClientLimits}
 * @param maxPublishesInFlight publishes of a client that may wait for the bus at once
 * @param webSocket the sessions' limits and timers
 * @param authentication whether and how connections without a principal authenticate with a
 *        first message
 */
record RouteSettings(List<ChannelTemplate> subscribe, boolean clientSubscriptions, int maxSubscriptions,
                     int maxMessagesPerSecond, int maxPublishesInFlight, WebSocketSettings webSocket, Authentication authentication) {

    /** An HTTP field name: a token of RFC 9110. */
    private static final Pattern FIELD_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    RouteSettings {
        subscribe = List.copyOf(subscribe);
        if (maxMessagesPerSecond < 1 || maxPublishesInFlight < 1) {
            throw new IllegalArgumentException("client limits must be positive");
        }
        requireNonNull(webSocket, "webSocket is null");
        requireNonNull(authentication, "authentication is null");
    }

    /**
     * First-message authentication ({@code auth} block): a connection that arrives without a
     * principal sends {@code {"type":"auth","token":…}} within {@code timeout}; the token is
     * presented to the route's authentication filters as the header {@code header}, prefixed
     * with {@code scheme} and a space unless the scheme is empty.
     *
     * @param firstMessage whether connections without a principal are accepted and must authenticate
     * @param timeout how long such a connection has to authenticate before it is closed
     * @param header the request header that carries the token, e.g. {@code Authorization}
     * @param scheme the authentication scheme before the token, e.g. {@code Bearer}; empty for none
     * @param expiryWarning how long before a session's authentication expires (its principal's
     *        {@code exp} or {@code expires_at}) the client is told, {@code auth-expiring}; zero for never
     */
    record Authentication(boolean firstMessage, Duration timeout, String header, String scheme, Duration expiryWarning) {
        Authentication {
            requireNonNull(timeout, "timeout is null");
            requireNonNull(expiryWarning, "expiryWarning is null");
            requireNonNull(header, "header is null");
            requireNonNull(scheme, "scheme is null");
        }

        /** The header value that carries {@code token}. */
        String credential(String token) {
            return scheme.isEmpty() ? token : scheme + " " + token;
        }
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
        if (pingInterval.compareTo(idleTimeout) >= 0) {
            // Only what the client sends counts against the idle timeout: a quiet client must be
            // pinged, and have time to answer, before it runs out.
            throw config.error("ping-interval", "must be shorter than idle-timeout (" + idleTimeout.toMillis()
                    + " ms), or 0s to disable pings (clients must then send within idle-timeout)");
        }
        WebSocketSettings webSocket = new WebSocketSettings(idleTimeout, pingInterval, (int) maxMessageSize, maxQueuedBytes,
                maxQueuedMessages, config.getBoolean("permessage-deflate"));
        int maxMessagesPerSecond = config.getInt("max-messages-per-second");
        if (maxMessagesPerSecond < 1 || maxMessagesPerSecond > 1_000_000) {
            throw config.error("max-messages-per-second", "must be between 1 and 1000000");
        }
        int maxPublishesInFlight = config.getInt("max-publishes-in-flight");
        if (maxPublishesInFlight < 1 || maxPublishesInFlight > 100_000) {
            throw config.error("max-publishes-in-flight", "must be between 1 and 100000");
        }
        return new RouteSettings(subscribe, config.getBoolean("client-subscriptions"), maxSubscriptions, maxMessagesPerSecond,
                maxPublishesInFlight, webSocket, authentication(config.getConfig("auth")));
    }

    private static Authentication authentication(PluginConfig auth) {
        Duration timeout = auth.getDuration("timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw auth.error("timeout", "must be positive");
        }
        String header = auth.getString("header");
        if (!FIELD_NAME.matcher(header).matches()) {
            throw auth.error("header", "must be an HTTP header name, got '" + header + "'");
        }
        String scheme = auth.getString("scheme");
        if (!scheme.isEmpty() && !FIELD_NAME.matcher(scheme).matches()) {
            throw auth.error("scheme", "must be an authentication scheme such as Bearer, or \"\" for none; got '" + scheme + "'");
        }
        Duration expiryWarning = auth.getDuration("expiry-warning");
        if (expiryWarning.isNegative()) {
            throw auth.error("expiry-warning", "must not be negative");
        }
        return new Authentication(auth.getBoolean("first-message"), timeout, header, scheme, expiryWarning);
    }
}
