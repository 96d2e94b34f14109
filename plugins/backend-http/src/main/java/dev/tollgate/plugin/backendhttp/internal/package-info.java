/**
 * The implementation of the {@code http} backend.
 *
 * <ul>
 *   <li>{@link dev.tollgate.plugin.backendhttp.internal.HttpBackendFactory} reads a service block
 *       and starts an {@link dev.tollgate.plugin.backendhttp.internal.HttpBackend}: one Jetty
 *       {@code HttpClient} per service on threads shared by every service
 *       ({@link dev.tollgate.plugin.backendhttp.internal.ClientResources}).</li>
 *   <li>{@link dev.tollgate.plugin.backendhttp.internal.RouteHandler} serves one route;
 *       {@link dev.tollgate.plugin.backendhttp.internal.ProxyExchange} prepares one exchange and is
 *       the runtime retry loop's {@code Upstream.Execution} for it: each attempt a
 *       {@link dev.tollgate.plugin.backendhttp.internal.BackendCall}, whose outcome (a status at
 *       the response headers, or a failure kind) the loop turns into health, retries and errors.</li>
 *   <li>Bodies stream without copies: {@link dev.tollgate.plugin.backendhttp.internal.RequestBodyBridge}
 *       (client publisher to Jetty content) and
 *       {@link dev.tollgate.plugin.backendhttp.internal.ResponseBodyPublisher} (Jetty content to the
 *       runtime's subscriber), one buffer in flight each way.</li>
 *   <li>Headers: {@link dev.tollgate.plugin.backendhttp.internal.HeaderRules},
 *       {@link dev.tollgate.plugin.backendhttp.internal.RequestHeaderWriter},
 *       {@link dev.tollgate.plugin.backendhttp.internal.ResponseHeaderWriter}; paths:
 *       {@link dev.tollgate.plugin.backendhttp.internal.PathRewrite}.</li>
 * </ul>
 *
 * <p>Why a request class of our own ({@link dev.tollgate.plugin.backendhttp.internal.BackendRequest}):
 * Jetty's parses the target and decodes the query of every request, which a proxy never needs;
 * and its deadline, which Jetty's connections check with one cyclic timer each, carries the
 * response timeout without a timer per request. Why requests go to a destination resolved once
 * per instance: no origin lookup per request, and the {@code Host}/{@code :authority} may differ
 * from the address connected to.
 */
package dev.tollgate.plugin.backendhttp.internal;
