/**
 * The event bus: in memory within one gateway by default, bridged to an external broker (Redis)
 * by a plugin so that events cross gateway instances.
 */
package dev.tollgate.api.event;
