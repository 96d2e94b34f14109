package dev.tollgate.plugin.authservice;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/**
 * A test plugin whose {@code test-principal-headers} filter, after authentication, answers what
 * the exchange's principal holds as response headers: {@code X-Principal} (name and scheme),
 * {@code X-Principal-Roles} (sorted) and {@code X-Principal-Claims} (sorted {@code key=value});
 * {@code X-Principal: none} without one.
 */
final class PrincipalHeadersPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new FilterFactory() {
            @Override
            public String name() {
                return "test-principal-headers";
            }

            @Override
            public Filter create(PluginConfig config, PluginContext context) {
                return new Filter() {
                    @Override
                    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                        Optional<Principal> principal = exchange.principal();
                        return chain.proceed(exchange).thenRun(() -> {
                            if (principal.isEmpty()) {
                                exchange.response().headers().set("X-Principal", "none");
                                return;
                            }
                            Principal found = principal.get();
                            exchange.response().headers().set("X-Principal", found.name() + " " + found.scheme());
                            exchange.response().headers().set("X-Principal-Roles", String.join(",", new TreeSet<>(found.roles())));
                            StringBuilder claims = new StringBuilder();
                            for (Map.Entry<String, Object> claim : new TreeMap<>(found.claims()).entrySet()) {
                                claims.append(claims.length() == 0 ? "" : ",").append(claim.getKey()).append('=').append(claim.getValue());
                            }
                            exchange.response().headers().set("X-Principal-Claims", claims.toString());
                        });
                    }

                    @Override
                    public int order() {
                        return Order.AUTHORIZATION;
                    }
                };
            }
        });
    }
}
