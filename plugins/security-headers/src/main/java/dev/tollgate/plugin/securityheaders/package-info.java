/**
 * The {@code security-headers} filter: the response headers that tell browsers to be strict with
 * a site (HSTS over TLS, Content-Security-Policy, X-Frame-Options, X-Content-Type-Options,
 * Referrer-Policy, Permissions-Policy), each on by default with a restrictive value, overridable
 * or turned off per route; and {@code Server} and {@code X-Powered-By} removed from backend
 * responses. {@link dev.tollgate.plugin.securityheaders.SecurityHeadersFilter} applies them after
 * the rest of the chain; {@link dev.tollgate.plugin.securityheaders.SecurityHeadersSettings} is
 * one use's configuration, read and checked once at creation. See the module's README.
 */
package dev.tollgate.plugin.securityheaders;
