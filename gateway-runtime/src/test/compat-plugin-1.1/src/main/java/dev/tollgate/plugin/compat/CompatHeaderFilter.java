package dev.tollgate.plugin.compat;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.metrics.Metrics;

import java.util.concurrent.CompletionStage;

/**
 * Sets one response header, named and valued by its configuration, after the rest of the chain
 * answered, and counts the exchanges it saw ({@code tollgate_compat_filtered}).
 */
final class CompatHeaderFilter implements Filter {
    private final String header;
    private final String value;
    private final Metrics.Counter filtered;

    CompatHeaderFilter(String header, String value, Metrics.Counter filtered) {
        this.header = header;
        this.value = value;
        this.filtered = filtered;
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        filtered.increment();
        return chain.proceed(exchange).thenRun(() -> exchange.response().headers().set(header, value));
    }

    @Override
    public int order() {
        return Order.TRANSFORM;
    }

    static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "compat-header";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            String header = config.getString("header");
            if (!header.matches("[A-Za-z0-9-]+")) {
                throw config.error("header", "'" + header + "' is not a valid header name");
            }
            return new CompatHeaderFilter(header, config.getString("value"), context.metrics().counter("filtered"));
        }
    }
}
