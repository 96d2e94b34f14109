/** Services and their instances: discovery sources. */
package dev.tollgate.api.upstream;
