package dev.tollgate.api.upstream;

import dev.tollgate.api.ComponentFactory;

/**
 * Creates a {@link Discovery} from {@code gateway.discovery.<name>} merged over the plugin's
 * {@code reference.conf} section {@code tollgate.discovery.<name>}. One instance serves every service
 * that names it.
 */
public interface DiscoveryFactory extends ComponentFactory<Discovery> {
}
