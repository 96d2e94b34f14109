/**
 * Redis connections configured once under {@code gateway.redis.<name>}, validated by the runtime
 * and lent to plugins by name ({@link dev.tollgate.api.PluginContext#redis}); each plugin builds
 * its own client from them, in its own class loader.
 */
package dev.tollgate.api.redis;
