/**
 * WebSocket sessions for endpoints: accept with
 * {@link dev.tollgate.api.http.Exchange#upgradeToWebSocket}, receive through a
 * {@link dev.tollgate.api.websocket.WebSocketHandler}, send pre-encoded
 * {@link dev.tollgate.api.websocket.WebSocketMessage}s through a bounded, non-blocking queue.
 * The runtime implements the protocol (HTTP/1.1 upgrade and RFC 8441 over HTTP/2), pings and
 * timeouts.
 */
package dev.tollgate.api.websocket;
