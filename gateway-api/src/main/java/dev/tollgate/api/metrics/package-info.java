/** Metrics for plugins, exported by the runtime in Prometheus' format. */
package dev.tollgate.api.metrics;
