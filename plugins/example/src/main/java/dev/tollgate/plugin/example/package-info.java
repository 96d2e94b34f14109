/**
 * The example plugin, the template for new plugins (see {@code plugins/README.md}): a
 * {@code response-headers} filter and an {@code echo} endpoint, with their defaults and schema
 * in {@code reference.conf}, a private dependency (Jackson) shaded into the jar, a contract
 * test and a real-socket test through a running gateway.
 */
package dev.tollgate.plugin.example;
