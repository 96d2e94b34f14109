/**
 * The {@code cors} filter: Cross-Origin Resource Sharing as the Fetch standard defines it,
 * gateway-wide or per route. {@link dev.tollgate.plugin.cors.CorsFilter} answers preflights
 * without calling the backend (204, or 403 in the gateway's JSON error shape) and sets the CORS
 * headers on the responses to actual requests, errors included, replacing any the backend sent;
 * {@link dev.tollgate.plugin.cors.OriginMatcher} holds the allow-list (exact origins, subdomain
 * patterns, regular expressions or {@code *}); {@link dev.tollgate.plugin.cors.CorsSettings}
 * is one use's configuration, read and checked once at creation.
 *
 * <p>The filter runs at {@link dev.tollgate.api.http.Filter.Order#SECURITY}, before
 * authentication, because browsers send preflights without credentials. See the module's
 * README for configuration and behaviour.
 */
package dev.tollgate.plugin.cors;
