/**
 * Service discovery from a Redis registry. Instances register under a service name with a TTL
 * and renew it with heartbeats (any language can, with plain Redis commands; a JVM service can
 * use {@link dev.tollgate.plugin.discoveryredis.RedisServiceRegistration}); gateways that name
 * {@code discovery = redis} on a service watch it with
 * {@link dev.tollgate.plugin.discoveryredis.RedisDiscovery}: pub/sub for prompt updates, polling
 * for expiries, the last known list kept while Redis is unreachable.
 *
 * <p>The protocol, the configuration and the behaviour during outages are in the module's
 * README.md. Redisson (shaded into the plugin jar) is used only through its asynchronous API.
 */
package dev.tollgate.plugin.discoveryredis;
