package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.TlsSettings;
import dev.tollgate.api.upstream.Upstream;

import java.nio.file.Path;

/**
 * Creates the {@code auth-service} filters: reads the block into {@link AuthSettings}, resolves the
 * validation method, finds the service in the upstream registry (a name that is not there is a
 * configuration error of {@code service}), and takes the service's channels as a plugin-wide
 * resource ({@link PluginContext#shared}) keyed on what they are built from, so that every filter
 * naming the service shares them and a reload that keeps the service keeps the connections.
 */
public final class AuthServiceFilterFactory implements FilterFactory {
    /** The filter's type name, also the scheme of the principals it sets. */
    public static final String NAME = "auth-service";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Filter create(PluginConfig config, PluginContext context) {
        AuthSettings settings = AuthSettings.from(config, home());
        ValidationMethod method;
        try {
            method = ValidationMethod.resolve(settings);
        }
        catch (InvalidSetting e) {
            throw withCause(config.error(e.key(), e.getMessage()), e);
        }
        Upstream upstream;
        try {
            upstream = context.upstreams().service(settings.service());
        }
        catch (IllegalArgumentException e) {
            throw withCause(config.error("service", "no service '" + settings.service() + "' in gateway.services (it has "
                    + context.upstreams().serviceNames() + ")"), e);
        }
        for (ServiceInstance instance : upstream.instances()) {
            try {
                AuthChannels.checkAddress(settings.service(), instance);
            }
            catch (IllegalArgumentException e) {
                throw withCause(config.error("service", e.getMessage()), e);
            }
        }
        TlsSettings tls = upstream.tls();
        AuthChannels channels;
        try {
            channels = context.shared(new ChannelsKey(settings.service(), tls), () -> new AuthChannels(settings.service(),
                    tls.equals(TlsSettings.DEFAULT) ? null : TlsContexts.create(settings.service(), tls), tls.verifiesHostname()));
        }
        catch (IllegalArgumentException e) {
            throw withCause(config.error("service", e.getMessage()), e);
        }
        channels.connect(upstream.instances());
        Subscription watch = upstream.watch(channels::retain);
        return new AuthServiceFilter(settings, new AuthClient(settings.service(), upstream, channels, method, settings.deadline()),
                new VerdictCache(settings.cache(), context.clock()), new AuthMetrics(context.metrics(), settings.service()), watch);
    }

    private static <T extends RuntimeException> T withCause(T error, Throwable cause) {
        error.initCause(cause);
        return error;
    }

    /**
     * Where a relative descriptor set path starts: the gateway's home as {@code bin/gateway} passes
     * it ({@code -Dgateway.home}), else the working directory.
     */
    private static Path home() {
        String home = System.getProperty("gateway.home");
        return home == null || home.isBlank() ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    /** What a service's channels are built from. */
    private record ChannelsKey(String service, TlsSettings tls) {
    }
}
