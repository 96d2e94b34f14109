package dev.tollgate.api.http;

import dev.tollgate.api.ComponentFactory;

/**
 * Creates the {@link Backend} of each service whose {@code backend} setting names it.
 *
 * <p>The configuration passed to {@code create} is the service block without the keys the
 * runtime owns (instances, discovery, load balancing, health checks, circuit breaker, retries),
 * merged over the plugin's {@code reference.conf} section {@code tollgate.backends.<name>.service}; its
 * {@link dev.tollgate.api.PluginConfig#name() name} is the service's. The service's instances
 * and their state are in {@code context.upstreams().service(config.name())}.
 */
public interface BackendFactory extends ComponentFactory<Backend> {
}
