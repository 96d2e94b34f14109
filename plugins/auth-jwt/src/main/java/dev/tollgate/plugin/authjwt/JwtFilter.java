package dev.tollgate.plugin.authjwt;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The {@code jwt} filter: finds a token where {@code token-from} says, validates it with
 * {@link TokenValidator}, sets the principal and passes the exchange on; or refuses it with a 401
 * carrying {@code WWW-Authenticate: Bearer} (RFC 6750 §3) in the gateway's JSON error shape.
 *
 * <p>Without a token the request is refused, unless {@code optional = true}: then it passes on
 * without a principal. A token that is present but invalid is refused either way. When the keys
 * of a key server were never fetched, a token cannot be checked and the answer is 503.
 *
 * <p>A token taken from the query (WebSocket upgrades) is removed from the query the endpoint or
 * backend sees, so it does not travel on into their logs.
 *
 * <p>Refusals are logged at DEBUG with the request id, the reason and at most the token's
 * {@code kid}; nothing else of a token is ever logged or answered.
 */
final class JwtFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(JwtFilter.class);

    private final String name;
    private final JwtSettings settings;
    private final TokenValidator validator;
    private final Map<Reason, Metrics.Counter> outcomes = new EnumMap<>(Reason.class);
    private final Metrics.Counter anonymous;
    private final String challenge;

    JwtFilter(String name, JwtSettings settings, TokenValidator validator, Metrics metrics) {
        this.name = requireNonNull(name, "name is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.validator = requireNonNull(validator, "validator is null");
        for (Reason reason : Reason.values()) {
            String outcome = reason == Reason.OK ? "ok" : reason == Reason.KEYS_UNAVAILABLE ? "unavailable" : "refused";
            outcomes.put(reason, metrics.counter("authentications", "filter", name, "outcome", outcome, "reason", reason.label()));
        }
        this.anonymous = metrics.counter("authentications", "filter", name, "outcome", "anonymous", "reason", Reason.MISSING.label());
        this.challenge = "Bearer realm=\"" + settings.realm() + "\"";
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        TokenSource source = null;
        String token = null;
        try {
            for (TokenSource candidate : settings.tokenSources()) {
                token = candidate.find(exchange.request());
                if (token != null) {
                    source = candidate;
                    break;
                }
            }
        }
        catch (TokenRefusedException refused) {
            return CompletableFuture.failedStage(refusal(exchange, refused));
        }
        if (token == null) {
            if (settings.optional()) {
                anonymous.increment();
                return chain.proceed(exchange);
            }
            outcomes.get(Reason.MISSING).increment();
            LOG.debug("Request {}: no bearer token ({})", exchange.requestId(), name);
            return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAUTHORIZED, "a bearer token is required")
                    .withHeader("WWW-Authenticate", challenge));
        }
        TokenSource from = source;
        return validator.validate(token).handle((principal, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (cause instanceof TokenRefusedException refused) {
                    throw refusal(exchange, refused);
                }
                throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
            }
            outcomes.get(Reason.OK).increment();
            exchange.setPrincipal(principal);
            if (from instanceof TokenSource.Query query) {
                exchange.request().setQuery(query.without(exchange.request().query()));
            }
            return exchange;
        }).thenCompose(chain::proceed);
    }

    private GatewayException refusal(Exchange exchange, TokenRefusedException refused) {
        outcomes.get(refused.reason()).increment();
        LOG.debug("Request {}: token refused by {}: {} ({})", exchange.requestId(), name, refused.reason().label(), refused.getMessage());
        if (refused.reason() == Reason.KEYS_UNAVAILABLE) {
            return new GatewayException(ErrorCode.UNAVAILABLE, "the keys to check the token are not available; try again later")
                    .withHeader("Retry-After", "5");
        }
        return new GatewayException(ErrorCode.UNAUTHORIZED, "invalid token: " + refused.getMessage())
                .withHeader("WWW-Authenticate", challenge + ", error=\"invalid_token\", error_description=\"" + refused.getMessage() + "\"");
    }

    @Override
    public int order() {
        return Order.AUTHENTICATION;
    }

    /** Creates {@code jwt} filters; key servers are shared by filters with equal settings. */
    static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "jwt";
        }

        @Override
        public Set<String> sensitiveKeys() {
            return Set.of("keys");
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            JwtSettings settings = JwtSettings.from(config, home());
            String instance = instanceName(config);
            if (settings.audiences().isEmpty()) {
                LOG.warn("{}: no audiences configured, so tokens issued by {} for any other service are accepted too;"
                        + " set audiences", config.path(), settings.issuer());
            }
            List<RemoteKeySet.Settings> servers = new ArrayList<>();
            if (settings.jwksUrl() != null) {
                servers.add(new RemoteKeySet.Settings(settings.jwksUrl(), false, settings.jwksAlgorithms(), settings.jwksRefreshInterval(),
                        settings.jwksMinRefreshInterval(), settings.jwksTimeout(), settings.allowInsecureJwks()));
            }
            if (settings.oidcDiscovery()) {
                servers.add(new RemoteKeySet.Settings(java.net.URI.create(settings.issuer()), true, settings.jwksAlgorithms(),
                        settings.jwksRefreshInterval(), settings.jwksMinRefreshInterval(), settings.jwksTimeout(), settings.allowInsecureJwks()));
            }
            List<RemoteKeySet> keySets = new ArrayList<>();
            for (RemoteKeySet.Settings server : servers) {
                RemoteKeySet keySet = context.shared(server,
                        () -> new RemoteKeySet(server, context.metrics(), context.scheduler(), context.clock()));
                keySets.add(keySet);
                context.registerHealth(instance + ".key-set" + (servers.size() > 1 ? (server.discovery() ? ".discovery" : ".jwks-url") : ""),
                        keySet::health);
            }
            return new JwtFilter(instance, settings, new TokenValidator(settings, keySets, context.clock()), context.metrics());
        }

        /**
         * The filter instance's name for metrics, health and logs: {@code api-jwt} for
         * {@code gateway.filters.api-jwt}, the block's path for an inline use
         * ({@code gateway.routes[0].filters[1]}). {@link PluginConfig#name()} is the filter type.
         */
        static String instanceName(PluginConfig config) {
            String named = "gateway.filters.";
            return config.path().startsWith(named) ? config.path().substring(named.length()) : config.path();
        }

        /**
         * Where relative key file paths start: the gateway's home as {@code bin/gateway} passes it
         * ({@code -Dgateway.home}), else the working directory.
         */
        private static Path home() {
            String home = System.getProperty("gateway.home");
            return home == null || home.isBlank() ? Path.of("").toAbsolutePath() : Path.of(home);
        }
    }
}
