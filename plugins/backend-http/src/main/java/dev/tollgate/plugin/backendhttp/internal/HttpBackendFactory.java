package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.upstream.Upstream;

/**
 * Creates the {@code http} backend of each service that names it ({@code backend = http}): reads
 * the service block into {@link ServiceSettings}, looks the service up in the upstream registry
 * (which also holds its TLS settings), and starts its client on the threads every service of the
 * plugin shares — a plugin-wide resource ({@link PluginContext#shared}) that lives while some
 * service uses it, so a reload that replaces services restarts no thread. The block has no secret
 * of its own: the TLS passwords are runtime-owned keys.
 */
public final class HttpBackendFactory implements BackendFactory {

    @Override
    public String name() {
        return "http";
    }

    @Override
    public Backend create(PluginConfig config, PluginContext context) {
        ServiceSettings settings = ServiceSettings.from(config);
        PluginConfig pluginSettings = context.settings();
        int threads = pluginSettings.getInt("threads");
        if (threads < 0) {
            throw pluginSettings.error("threads", "must be 0 (from the cores) or more, got " + threads);
        }
        Upstream upstream = context.upstreams().service(config.name());
        ClientResources resources = context.shared(new ClientResources.Key(threads), () -> ClientResources.start(threads));
        return HttpBackend.start(config.name(), settings, upstream, resources, context.metrics());
    }
}
