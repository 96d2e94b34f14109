package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.Principal;
import dev.tollgate.api.event.EventBridge;
import dev.tollgate.api.event.EventBridgeFactory;
import dev.tollgate.api.event.EventListener;
import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.health.HealthIndicator;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.runtime.event.InMemoryEventBus;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The tests' own authentication: filter {@code hub-test-auth} sets a principal from the
 * {@code X-User} header or the {@code access_token} query parameter, with roles from
 * {@code X-Roles} or {@code roles} (comma-separated). Without either, the exchange goes on
 * anonymous, so one route serves both kinds of connection. A value
 * {@code user:<name>:<claim>:<value>…} names {@code <name>} with claims, for expiring sessions:
 * {@code exp} (a Long), {@code exp-int} (exp as an Integer), {@code exp-double} (exp as a Double)
 * and {@code expires_at} (a Long), in seconds since the epoch.
 *
 * <p>And a bus whose publications wait for the test: {@code gateway.events.bridge = hub-test-gated}
 * is the in-memory bus, except that a publication is carried out (and its stage completed) only
 * once the gate is open ({@link #closePublishGate}, {@link #openPublishGate}); it is open by default.
 */
public final class HubTestPlugin implements Plugin {
    private static final AtomicReference<CompletableFuture<Void>> PUBLISH_GATE =
            new AtomicReference<>(CompletableFuture.completedFuture(null));

    /** Publications on {@code hub-test-gated} buses wait from now until {@link #openPublishGate}. */
    static void closePublishGate() {
        PUBLISH_GATE.set(new CompletableFuture<>());
    }

    /** Carries out the publications waiting, and those to come. */
    static void openPublishGate() {
        PUBLISH_GATE.get().complete(null);
    }

    @Override
    public Iterable<EventBridgeFactory> eventBridgeFactories() {
        return List.of(new EventBridgeFactory() {
            @Override
            public String name() {
                return "hub-test-gated";
            }

            @Override
            public EventBridge create(PluginConfig config, PluginContext context) {
                return new GatedBus();
            }
        });
    }

    /** The in-memory bus, with publications held at the gate. */
    private static final class GatedBus implements EventBridge {
        private final InMemoryEventBus bus = new InMemoryEventBus();

        @Override
        public CompletionStage<Void> publish(String channel, ByteBuffer payload) {
            return PUBLISH_GATE.get().thenCompose(ignored -> bus.publish(channel, payload));
        }

        @Override
        public Subscription subscribe(String channel, EventListener listener) {
            return bus.subscribe(channel, listener);
        }

        @Override
        public Subscription subscribePattern(String pattern, EventListener listener) {
            return bus.subscribePattern(pattern, listener);
        }

        @Override
        public Presence presence() {
            return bus.presence();
        }

        @Override
        public HealthIndicator health() {
            return () -> Health.up(Map.of());
        }

        @Override
        public void close() {
        }
    }

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
                            exchange.setPrincipal(principal(user, roleSet));
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

    /** The principal {@code value} names: a plain name, or {@code user:<name>} followed by claims. */
    private static Principal principal(String value, Set<String> roles) {
        if (!value.startsWith("user:")) {
            return Principal.of(value, "test", roles, Map.of());
        }
        String[] parts = value.split(":");
        Map<String, Object> claims = new java.util.HashMap<>();
        for (int i = 2; i + 1 < parts.length; i += 2) {
            String claim = parts[i];
            String number = parts[i + 1];
            switch (claim) {
                case "exp" -> claims.put("exp", Long.parseLong(number));
                case "exp-int" -> claims.put("exp", Integer.parseInt(number));
                case "exp-double" -> claims.put("exp", Double.parseDouble(number));
                case "expires_at" -> claims.put("expires_at", Long.parseLong(number));
                default -> throw new IllegalArgumentException("unknown test claim " + claim);
            }
        }
        return Principal.of(parts[1], "test", roles, claims);
    }
}
