package dev.tollgate.api.http;

import dev.tollgate.api.ComponentFactory;

/**
 * Creates the {@link Backend} of each service whose {@code backend} setting names it.
 *
 * <p>The configuration passed to {@code create} is the service block (its instances and the
 * runtime's settings are available through {@link dev.tollgate.api.PluginContext#upstreams()};
 * the block holds the backend's own keys), merged over the plugin's {@code reference.conf}
 * section {@code backend.<name>.service}.
 */
public interface BackendFactory extends ComponentFactory<Backend> {
}
