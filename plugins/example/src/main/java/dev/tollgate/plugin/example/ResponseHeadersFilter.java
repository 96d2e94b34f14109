package dev.tollgate.plugin.example;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.http.Headers;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * Sets, adds and removes response headers after the backend answered: security headers on every
 * response, or backend headers that should not leak ({@code Server}, {@code X-Powered-By}).
 *
 * <pre>
 * filters = [ { name = response-headers, set { X-Frame-Options = DENY }, remove = [ Server ] } ]
 * </pre>
 */
final class ResponseHeadersFilter implements Filter {
    private final Settings settings;

    ResponseHeadersFilter(Settings settings) {
        this.settings = requireNonNull(settings, "settings is null");
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        return chain.proceed(exchange).thenRun(() -> apply(exchange.response().headers()));
    }

    private void apply(Headers headers) {
        for (String name : settings.remove()) {
            headers.remove(name);
        }
        settings.set().forEach(headers::set);
        settings.add().forEach(headers::add);
    }

    @Override
    public int order() {
        return Order.TRANSFORM;
    }

    /** The filter's configuration, read once. */
    record Settings(Map<String, String> set, Map<String, String> add, List<String> remove) {
        static Settings from(PluginConfig config) {
            return new Settings(config.getStringMap("set"), config.getStringMap("add"), config.getStringList("remove"));
        }
    }

    static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "response-headers";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            Settings settings = Settings.from(config);
            for (String name : settings.set().keySet()) {
                if (!name.matches("[A-Za-z0-9-]+")) {
                    throw config.error("set", "'" + name + "' is not a valid header name");
                }
            }
            return new ResponseHeadersFilter(settings);
        }
    }
}
