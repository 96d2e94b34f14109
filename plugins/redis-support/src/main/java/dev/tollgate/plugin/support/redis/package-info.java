/**
 * What every Redis plugin does the same way, written once: choosing a {@code gateway.redis}
 * connection from a block's {@code redis} key, or from a plugin's deprecated inline connection keys
 * ({@link dev.tollgate.plugin.support.redis.RedisConnectionSelector}), and turning it into
 * Redisson's connection settings ({@link dev.tollgate.plugin.support.redis.RedissonConnection}).
 *
 * <p>Not an API of the gateway and not a plugin: a library that each Redis plugin depends on and
 * shades into its own jar, so each plugin's class loader has its own copy next to its own Redisson
 * and nothing is shared at run time. Written, like the plugins, only against {@code gateway-api}.
 */
package dev.tollgate.plugin.support.redis;
