package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.upstream.TlsSettings;
import dev.tollgate.api.upstream.Upstream;

import java.nio.file.Path;

/**
 * Creates the {@code grpc} backend of each service that names it ({@code backend = grpc}): reads
 * the service block into {@link ServiceSettings}, finds the service in the upstream registry
 * (which also holds its TLS settings), and takes the service's channel pool as a plugin-wide
 * resource ({@link PluginContext#shared}) keyed on what it is built from, so that a reload that
 * leaves those settings alone keeps the open channels.
 */
public final class GrpcBackendFactory implements BackendFactory {

    @Override
    public String name() {
        return "grpc";
    }

    @Override
    public Backend create(PluginConfig config, PluginContext context) {
        ServiceSettings settings = ServiceSettings.from(config, home());
        Upstream upstream = context.upstreams().service(config.name());
        TlsSettings tls = upstream.tls();
        ChannelPool pool;
        try {
            pool = context.shared(new PoolKey(config.name(), settings.channels(), settings.keepalive(), settings.maxResponseMessageSize(), tls),
                    () -> new ChannelPool(config.name(), settings, tls.equals(TlsSettings.DEFAULT) ? null : TlsContexts.create(config.name(), tls),
                            tls.verifiesHostname(), context.scheduler()));
        }
        catch (IllegalArgumentException e) {
            throw config.error("backend", e.getMessage());
        }
        try {
            return GrpcBackend.start(config.name(), settings, upstream, pool, context);
        }
        catch (IllegalArgumentException e) {
            InvalidConfigException error = config.getConfig("schema").error("descriptor-sets", e.getMessage());
            error.initCause(e);
            throw error;
        }
    }

    /**
     * Where relative descriptor set paths start: the gateway's home as {@code bin/gateway} passes
     * it ({@code -Dgateway.home}), else the working directory.
     */
    private static Path home() {
        String home = System.getProperty("gateway.home");
        return home == null || home.isBlank() ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    /** What a service's channel pool is built from. */
    private record PoolKey(String service, ServiceSettings.Channels channels, ServiceSettings.Keepalive keepalive, int maxResponseMessageSize,
                           TlsSettings tls) {
    }
}
