package dev.tollgate.plugin.websockethub.internal;

/**
 * The stable codes of the hub's {@code {"type":"error"}} messages. Clients may rely on the names;
 * new codes may be added.
 */
enum ProtocolError {
    /** The message is not a JSON object of the protocol, or a field has the wrong type or value. */
    BAD_MESSAGE,
    /** The {@code type} is not one the hub knows. */
    UNKNOWN_TYPE,
    /**
     * The connection's permissions (or the route) do not allow this on that channel; or, answering
     * {@code auth}, the token's user may not use this route, or a fresh token names another user
     * (the connection is then closed, 4003).
     */
    FORBIDDEN,
    /** The connection holds as many subscriptions as its route allows. */
    TOO_MANY_SUBSCRIPTIONS,
    /** The connection is already subscribed to that channel. */
    ALREADY_SUBSCRIBED,
    /** The connection is not subscribed to that channel. */
    NOT_SUBSCRIBED,
    /**
     * Recovery with {@code since} is not possible: the channel keeps no history or its history no
     * longer reaches back that far. The subscription is live nonetheless; missed events are lost.
     */
    RECOVERY_GAP,
    /** The channel has presence disabled. */
    PRESENCE_DISABLED,
    /**
     * The event bus could not be reached, or the route's authentication could not check a token;
     * the request (or, after a close, the connection) may be retried.
     */
    UNAVAILABLE,
    /**
     * The connection must authenticate first ({@code auth}), or its token was refused or came too
     * late, or its authentication expired; all but the first close the connection (4001).
     */
    UNAUTHORIZED,
    /**
     * The connection is authenticated already (and its authentication does not expire), or its
     * {@code auth} or fresh token is being checked.
     */
    ALREADY_AUTHENTICATED,
    /**
     * The authenticated user has as many connections as allowed, or the route's filters
     * rate-limited the authentication; the connection is closed (4029).
     */
    TOO_MANY_REQUESTS
}
