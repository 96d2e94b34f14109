/**
 * The {@code api-key} filter: authenticates a request by an API key presented in a header (or,
 * when configured, a query parameter) against the SHA-256 hashes listed in the configuration, and
 * makes the key's consumer the exchange's principal (scheme {@code api-key}, the key's roles, and
 * claims {@code consumer} plus the key's own). {@link dev.tollgate.plugin.authapikey.ApiKeyFilter}
 * authenticates and strips the key before the backend;
 * {@link dev.tollgate.plugin.authapikey.ApiKeySettings} is one use's configuration, read and
 * checked once at creation.
 *
 * <p>Only hashes are configured, so a leaked configuration does not leak keys; keys are expected
 * to be long random strings, for which an unsalted SHA-256 is enough (a slow password hash would
 * cost every request its time and protects nothing a 128-bit random key does not). The filter runs
 * at {@link dev.tollgate.api.http.Filter.Order#AUTHENTICATION}. See the module's README.
 */
package dev.tollgate.plugin.authapikey;
