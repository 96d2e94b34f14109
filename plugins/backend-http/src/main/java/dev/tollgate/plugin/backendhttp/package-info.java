/**
 * The {@code http} backend: a streaming reverse proxy from the gateway to HTTP/1.1, h2 (TLS with
 * ALPN) and h2c services, on Jetty's {@code HttpClient} shaded into the plugin.
 *
 * <p>For every exchange of a route to a service with {@code backend = http} it chooses an
 * instance through the runtime's upstream registry, forwards the request — hop-by-hop headers
 * removed, forwarding headers added, the path rewritten as the route says — and relays the
 * response, streaming both bodies buffer by buffer with trailers, so gRPC passes through
 * untouched. Failed attempts are retried only where that is safe and the service's retry policy
 * allows it. See the module's README for its configuration, behaviour and error mapping; the
 * implementation is in {@code internal}.
 */
package dev.tollgate.plugin.backendhttp;
