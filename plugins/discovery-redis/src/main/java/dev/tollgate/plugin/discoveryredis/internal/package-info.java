/**
 * Implementation of the Redis discovery: settings read from configuration, the registry's key
 * layout and Lua scripts, the JSON description of an instance, and the serial lane that the
 * discovery's state lives on. Not an API.
 */
package dev.tollgate.plugin.discoveryredis.internal;
