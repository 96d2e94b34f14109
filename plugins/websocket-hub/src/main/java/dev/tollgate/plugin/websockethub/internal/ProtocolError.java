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
    /** The connection's permissions (or the route) do not allow this on that channel. */
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
    /** The event bus could not be reached; the request may be retried. */
    UNAVAILABLE
}
