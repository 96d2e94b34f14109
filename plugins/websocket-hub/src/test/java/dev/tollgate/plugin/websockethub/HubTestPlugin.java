package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The tests' own authentication: filter {@code hub-test-auth} sets a principal from the
 * {@code X-User} header or the {@code access_token} query parameter, with roles from
 * {@code X-Roles} or {@code roles} (comma-separated). Without either, the exchange goes on
 * anonymous, so one route serves both kinds of connection.
 */
public final class HubTestPlugin implements Plugin {
    @Override
    public Iterable<FilterFactory> filterFactories() {
        return List.of(new FilterFactory() {
            @Override
            public String name() {
                return "hub-test-auth";
            }

            @Override
            public Filter create(PluginConfig config, PluginContext context) {
                return new Filter() {
                    @Override
                    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                        String user = exchange.request().headers().get("X-User");
                        if (user == null) {
                            user = exchange.request().queryParameter("access_token");
                        }
                        String roles = exchange.request().headers().get("X-Roles");
                        if (roles == null) {
                            roles = exchange.request().queryParameter("roles");
                        }
                        if (user != null) {
                            Set<String> roleSet = roles == null ? Set.of()
                                    : Arrays.stream(roles.split(",")).map(String::trim).filter(role -> !role.isEmpty()).collect(Collectors.toSet());
                            exchange.setPrincipal(Principal.of(user, "test", roleSet, Map.of()));
                        }
                        return chain.proceed(exchange);
                    }

                    @Override
                    public int order() {
                        return Order.AUTHENTICATION;
                    }
                };
            }
        });
    }
}
