package dev.tollgate.plugin.compat;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.metrics.Metrics;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers in plain text with the plugin-wide greeting ({@code gateway.plugins.compat.greeting}),
 * the route's {@code who}, the plugin's id and how many requests it has served.
 */
final class GreetingEndpoint implements Endpoint {
    private final String text;
    private final Metrics.Counter served;

    GreetingEndpoint(String text, Metrics.Counter served) {
        this.text = text;
        this.served = served;
    }

    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        served.increment();
        exchange.response().setStatus(200);
        exchange.response().setBody(text + " (request " + served.count() + ")\n", "text/plain; charset=utf-8");
        return CompletableFuture.completedFuture(null);
    }

    static final class Factory implements EndpointFactory {
        @Override
        public String name() {
            return "compat-greeting";
        }

        @Override
        public Endpoint create(PluginConfig config, PluginContext context) {
            String greeting = context.settings().getString("greeting");
            String text = greeting + ", " + config.getString("who") + ", from plugin " + context.pluginId();
            return new GreetingEndpoint(text, context.metrics().counter("served"));
        }
    }
}
