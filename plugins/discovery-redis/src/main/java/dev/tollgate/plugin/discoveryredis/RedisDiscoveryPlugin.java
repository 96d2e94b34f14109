package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.upstream.DiscoveryFactory;

import java.util.List;

/**
 * The Redis discovery plugin: registered in {@code META-INF/services/dev.tollgate.api.Plugin},
 * it offers one discovery source, {@code redis} ({@link RedisDiscovery}).
 */
public final class RedisDiscoveryPlugin implements Plugin {
    @Override
    public Iterable<DiscoveryFactory> discoveryFactories() {
        return List.of(new RedisDiscovery.Factory());
    }
}
