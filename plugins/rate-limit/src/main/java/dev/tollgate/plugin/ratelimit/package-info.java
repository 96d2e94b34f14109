/**
 * The {@code rate-limit} filter plugin: sliding-window and token-bucket (GCRA) limits keyed on the
 * client address, the principal, an API key's consumer, a header or the route, counted in process
 * ({@code store = local}) or in Redis for every gateway instance at once ({@code store = redis},
 * one atomic script call per decision on the server's clock), with the IETF RateLimit fields on
 * every response. See the module's README for the configuration and the algorithms' precision.
 */
package dev.tollgate.plugin.ratelimit;
