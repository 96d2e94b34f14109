package com.example.greeting;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;

/** A {@code greeting} filter: sets {@code X-Greeting} on every response, JSON-quoted. */
public final class GreetingPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new FilterFactory() {
            @Override
            public String name() {
                return "greeting";
            }

            @Override
            public Filter create(PluginConfig config, PluginContext context) {
                String text = "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(config.getString("text"))) + "\"";
                return (exchange, chain) -> chain.proceed(exchange)
                        .thenRun(() -> exchange.response().headers().set("X-Greeting", text));
            }
        });
    }
}
