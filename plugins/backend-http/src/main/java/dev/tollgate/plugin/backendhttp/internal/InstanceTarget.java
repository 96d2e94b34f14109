package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.client.Destination;

import java.net.URI;

import static java.util.Objects.requireNonNull;

/**
 * Where requests to one instance go, resolved once per instance address: Jetty's destination
 * (its connection pool, speaking the protocol the address and the service ask for), the origin a
 * request to it is built from, and the authority sent as {@code Host} when a route does not
 * preserve the client's.
 *
 * @param address the instance's address as the registry gives it
 * @param destination the client's destination for it
 * @param origin {@code http://host:port} or {@code https://host:port}
 * @param authority {@code host:port} of the instance
 * @param http2Only whether every connection to it speaks HTTP/2 (h2c, or a service forcing h2), so
 *        request trailers never change the request's framing
 * @param http1 the gateway's own HTTP/1.1 connections to it, for a clear-text HTTP/1.1 instance;
 *        null when only Jetty's client speaks its protocol (TLS, HTTP/2)
 */
record InstanceTarget(URI address, Destination destination, URI origin, String authority, boolean http2Only, Http1Pool http1) {
    InstanceTarget {
        requireNonNull(address, "address is null");
        requireNonNull(destination, "destination is null");
        requireNonNull(origin, "origin is null");
        requireNonNull(authority, "authority is null");
    }
}
