/**
 * The {@code auth-service} filter: authentication delegated to a gRPC service. The client
 * presents a token (a Bearer {@code Authorization} header, another header or a cookie); the
 * filter asks the authentication service's {@code ValidateToken} (or a method of the user's own,
 * described by a descriptor set and a field mapping) whether it is valid, and the request goes on
 * with the user's {@link dev.tollgate.api.Principal}, or is answered 401 with an RFC 6750
 * challenge.
 *
 * <p>The service is a {@code gateway.services} entry like any other: the call runs inside the
 * runtime's {@link dev.tollgate.api.upstream.Upstream#execute} (balancing, health, circuit
 * breakers, retries) on grpc-java OkHttp channels that the plugin's filters share. Verdicts are
 * cached briefly, keyed by the token's SHA-256. When the service cannot answer, the filter fails
 * closed (503) unless configured to let the request go on anonymous. Nothing blocks: the request
 * continues on the thread that receives the service's answer.
 *
 * <p>{@code internal} holds the implementation; see the module's README for configuration.
 */
package dev.tollgate.plugin.authservice;
