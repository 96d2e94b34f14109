/**
 * The Tollgate plugin SPI.
 *
 * <p>A plugin is a jar (or a folder of jars) in {@code plugins.d/} that registers one
 * {@link dev.tollgate.api.Plugin} through {@link java.util.ServiceLoader}. The runtime gives it
 * its own class loader in which only this API ({@code dev.tollgate.api.*}) and slf4j are shared
 * with the gateway, so plugins may bundle any library version they like.
 *
 * <p>Extension points, each a {@link dev.tollgate.api.ComponentFactory}:
 * <ul>
 *   <li>{@link dev.tollgate.api.http.FilterFactory}: a step of a route's filter chain;</li>
 *   <li>{@link dev.tollgate.api.http.BackendFactory}: how a service is reached (HTTP, gRPC…);</li>
 *   <li>{@link dev.tollgate.api.http.EndpointFactory}: a route answered by the plugin itself;</li>
 *   <li>{@link dev.tollgate.api.event.EventBridgeFactory}: the event bus behind the gateway;</li>
 *   <li>{@link dev.tollgate.api.upstream.DiscoveryFactory}: where service instances come from.</li>
 * </ul>
 *
 * <p>The request path is asynchronous and non-blocking: a filter or backend returns a
 * {@link java.util.concurrent.CompletionStage} and never blocks the thread it was called on.
 * Errors are values: {@link dev.tollgate.api.GatewayException} with a stable
 * {@link dev.tollgate.api.ErrorCode}.
 */
package dev.tollgate.api;
