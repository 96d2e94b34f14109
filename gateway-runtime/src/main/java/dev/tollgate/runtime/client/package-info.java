/**
 * What the gateway believes of a client's request before any filter runs: which of its header
 * fields reach filters and backends, and which address is the client's.
 *
 * <p>{@link dev.tollgate.runtime.client.ClientScreen} screens every request once, when the
 * exchange is built, so that every backend — HTTP, gRPC, WebSocket — and every filter sees the
 * same safe set of fields: no identity headers, none of the fields a {@code Connection} field
 * names, and forwarding headers only from {@link dev.tollgate.runtime.client.TrustedProxies}. It
 * also answers {@code Exchange.clientAddress()}, lazily: the peer, or behind trusted proxies the
 * rightmost untrusted node of the chain {@link dev.tollgate.runtime.client.ForwardedChain} reads
 * from its nearest end. Addresses are parsed as literals only ({@code IpLiterals}); nothing here
 * resolves a name.
 */
package dev.tollgate.runtime.client;
