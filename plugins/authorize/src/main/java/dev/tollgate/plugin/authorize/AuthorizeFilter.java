package dev.tollgate.plugin.authorize;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * Lets an exchange go on only when its principal meets every rule of one instance.
 *
 * <ul>
 *   <li>No principal (no authentication filter ran, or an optional one found no credential):
 *       {@code 401 UNAUTHORIZED} with {@code WWW-Authenticate: Bearer realm="…"}.</li>
 *   <li>A rule not met: {@code 403 FORBIDDEN}. The rules are checked in the order roles, scopes,
 *       claims (by name), and the message names the first that failed ({@code roles.any-of},
 *       {@code scopes.all-of}, {@code claims.tenant}) — never a role, scope or claim value the
 *       principal holds.</li>
 * </ul>
 * Both are the gateway's JSON error. Every decision is counted by instance and outcome.
 */
final class AuthorizeFilter implements Filter {
    private static final Logger log = LoggerFactory.getLogger(AuthorizeFilter.class);
    /** The space-separated scope claim (RFC 8693 §4.2; also accepted as a list). */
    static final String SCOPE_CLAIM = "scope";
    /** The scope claim some issuers (Microsoft, Okta) send as a list (also accepted as a space-separated string). */
    static final String SCP_CLAIM = "scp";

    private final AuthorizeSettings settings;
    private final String challenge;
    private final Metrics.Counter allowed;
    private final Metrics.Counter noPrincipal;
    private final Metrics.Counter missingRole;
    private final Metrics.Counter missingScope;
    private final Metrics.Counter claimMismatch;

    /**
     * @param instance the instance's label on metrics: the path of its configuration block
     *        ({@code gateway.filters.<name>} for a named instance, {@code gateway.routes[i].filters[j]}
     *        for an inline one), the one name the SPI gives each instance ({@code PluginConfig.name()}
     *        is the filter type for both)
     */
    AuthorizeFilter(String instance, AuthorizeSettings settings, Metrics metrics) {
        requireNonNull(instance, "instance is null");
        this.settings = requireNonNull(settings, "settings is null");
        requireNonNull(metrics, "metrics is null");
        this.challenge = "Bearer realm=\"" + settings.realm() + "\"";
        this.allowed = metrics.counter("decisions", "filter", instance, "outcome", "allowed");
        this.noPrincipal = metrics.counter("decisions", "filter", instance, "outcome", "no_principal");
        this.missingRole = metrics.counter("decisions", "filter", instance, "outcome", "missing_role");
        this.missingScope = metrics.counter("decisions", "filter", instance, "outcome", "missing_scope");
        this.claimMismatch = metrics.counter("decisions", "filter", instance, "outcome", "claim_mismatch");
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        Optional<Principal> found = exchange.principal();
        if (found.isEmpty()) {
            noPrincipal.increment();
            log.debug("Request {}: no principal", exchange.requestId());
            return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAUTHORIZED, "authentication required")
                    .withHeader("WWW-Authenticate", challenge));
        }
        Principal principal = found.get();

        String unmetRoles = settings.roles().unmetBy(principal.roles());
        if (unmetRoles != null) {
            return forbid(exchange, principal, missingRole, "roles." + unmetRoles);
        }
        if (!settings.scopes().isEmpty()) {
            String unmetScopes = settings.scopes().unmetBy(scopes(principal.claims()));
            if (unmetScopes != null) {
                return forbid(exchange, principal, missingScope, "scopes." + unmetScopes);
            }
        }
        for (Map.Entry<String, String> claim : settings.claims().entrySet()) {
            if (!claimMatches(principal.claims().get(claim.getKey()), claim.getValue())) {
                return forbid(exchange, principal, claimMismatch, "claims." + claim.getKey());
            }
        }
        allowed.increment();
        return chain.proceed(exchange);
    }

    private CompletionStage<Void> forbid(Exchange exchange, Principal principal, Metrics.Counter outcome, String rule) {
        outcome.increment();
        log.debug("Request {}: principal {} does not meet {}", exchange.requestId(), principal.name(), rule);
        return CompletableFuture.failedStage(new GatewayException(ErrorCode.FORBIDDEN, "not allowed: rule " + rule + " is not met"));
    }

    /** The scopes granted by the claims {@code scope} and {@code scp}, each a space-separated string or a list. */
    static Set<String> scopes(Map<String, Object> claims) {
        Set<String> scopes = new HashSet<>();
        addScopes(claims.get(SCOPE_CLAIM), scopes);
        addScopes(claims.get(SCP_CLAIM), scopes);
        return scopes;
    }

    private static void addScopes(Object claim, Set<String> scopes) {
        if (claim instanceof String text) {
            for (String scope : text.split(" ")) {
                if (!scope.isEmpty()) {
                    scopes.add(scope);
                }
            }
        }
        else if (claim instanceof Collection<?> list) {
            for (Object scope : list) {
                if (scope instanceof String name) {
                    scopes.add(name);
                }
            }
        }
    }

    /** Whether a claim's value equals {@code expected} as text, or, being a list, holds such a value. */
    static boolean claimMatches(Object claim, String expected) {
        if (claim instanceof Collection<?> list) {
            return list.stream().anyMatch(element -> scalarEquals(element, expected));
        }
        return scalarEquals(claim, expected);
    }

    private static boolean scalarEquals(Object value, String expected) {
        return (value instanceof String || value instanceof Number || value instanceof Boolean) && value.toString().equals(expected);
    }

    @Override
    public int order() {
        return Order.AUTHORIZATION;
    }

    /** Creates the filter for each named instance and each inline use of {@code authorize}. */
    static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "authorize";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            return new AuthorizeFilter(config.path(), AuthorizeSettings.from(config), context.metrics());
        }
    }
}
