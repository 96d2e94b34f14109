/**
 * From configuration to running components, and from one configuration to the next.
 *
 * <p>A {@link dev.tollgate.runtime.assembly.Platform} is what lives as long as the process:
 * plugins' services and shared resources, the registry of services, the event bus and the
 * {@link dev.tollgate.runtime.assembly.ComponentPool} of components. A
 * {@link dev.tollgate.runtime.assembly.Generation} is one configuration applied: its pipeline
 * (gateway-wide filters, router, route chains) and the components and services it holds.
 * {@link dev.tollgate.runtime.assembly.GenerationBuilder} builds a generation, taking over every
 * component of the pool whose key (kind, place, plugin, type, configuration, plugin settings) is
 * equal and whose dependencies are unchanged, and creating the others. A reload swaps the new
 * generation in, retires the old one, waits for its exchanges to drain and releases it: the
 * components only it held are closed, and with the last holder of a plugin-wide shared resource,
 * the resource.
 */
package dev.tollgate.runtime.assembly;
