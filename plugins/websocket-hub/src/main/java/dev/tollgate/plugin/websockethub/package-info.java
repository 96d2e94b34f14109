/**
 * The WebSocket hub: the real-time half of the gateway. Backends publish events to channels of
 * the gateway's {@link dev.tollgate.api.event.EventBus} (in memory, or Redis through a bridge
 * plugin); the hub delivers them to the WebSocket clients subscribed to those channels on
 * whichever gateway instance they are connected.
 *
 * <p>It is written only against the SPI: {@link dev.tollgate.api.http.Exchange#upgradeToWebSocket}
 * for connections, {@link dev.tollgate.api.http.Exchange#authenticate} for clients that
 * authenticate with their first message (the route's own filters check the token),
 * {@link dev.tollgate.api.websocket.WebSocketSession}'s bounded, non-blocking
 * send queue for flow control, and the event bus for channels, history and presence. Nothing in
 * it assumes a single instance: every fact shared between clients (channel messages, presence,
 * join and leave events, history) travels through the bus, so the hub behaves the same on one
 * node or many.
 *
 * <p>The protocol, configuration and permission model are described in the module's README.
 * The implementation lives in {@code dev.tollgate.plugin.websockethub.internal}.
 */
package dev.tollgate.plugin.websockethub;
