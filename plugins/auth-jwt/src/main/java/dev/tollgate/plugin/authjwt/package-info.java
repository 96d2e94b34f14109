/**
 * The {@code jwt} filter: authenticates requests by a signed JSON Web Token (RFC 7519), following
 * the JWT best current practices of RFC 8725, and sets the exchange's principal.
 *
 * <p>{@link dev.tollgate.plugin.authjwt.JwtFilter} finds the token ({@code token-from}) and turns
 * the outcome into the principal or a 401 with {@code WWW-Authenticate: Bearer} (RFC 6750);
 * {@link dev.tollgate.plugin.authjwt.TokenValidator} does the checks, with Nimbus JOSE+JWT for
 * parsing and signatures (no JOSE code of our own);
 * {@link dev.tollgate.plugin.authjwt.RemoteKeySet} fetches and caches the keys of a JWKS URL or of
 * OpenID discovery, asynchronously, keeping them when the key server fails;
 * {@link dev.tollgate.plugin.authjwt.JwtSettings} is one use's configuration, read and checked
 * once at creation, static keys included.
 *
 * <p>Security choices: every key has its own algorithm allowlist (no {@code alg} substitution,
 * no {@code none}, no JWE); header parameters that point at keys ({@code jku}, {@code jwk},
 * {@code x5u}, {@code x5c}) are never followed; an unknown {@code crit} parameter refuses the
 * token; HMAC keys never come from a key server. See the module's README.
 */
package dev.tollgate.plugin.authjwt;
