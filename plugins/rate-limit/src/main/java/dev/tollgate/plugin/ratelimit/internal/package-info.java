/** The rate-limit filter's settings, key extraction and stores; not an API. */
package dev.tollgate.plugin.ratelimit.internal;
