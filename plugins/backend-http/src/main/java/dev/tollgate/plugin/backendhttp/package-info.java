/**
 * The {@code http} backend: a streaming reverse proxy from the gateway to HTTP/1.1, h2 (TLS with
 * ALPN) and h2c services, on Jetty's {@code HttpClient} shaded into the plugin.
 *
 * <p>For every exchange of a route to a service with {@code backend = http} it runs the
 * runtime's retry loop ({@code Upstream.execute}): for each attempt on the instance the loop
 * chooses, it forwards the request — hop-by-hop headers removed, forwarding headers added, the
 * path rewritten as the route says — and reports the response's status or the failure; the loop
 * retries where that is safe and the service's retry policy allows it, and the delivered response
 * is relayed, both bodies streaming buffer by buffer with trailers, so gRPC passes through
 * untouched. See the module's README for its configuration, behaviour and error mapping; the
 * implementation is in {@code internal}.
 */
package dev.tollgate.plugin.backendhttp;
