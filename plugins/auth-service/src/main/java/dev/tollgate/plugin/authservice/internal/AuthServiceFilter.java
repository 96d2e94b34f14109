package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * One {@code auth-service} filter: finds the request's token, takes the verdict from the cache or
 * asks the service, and sets the principal — or answers 401 (no token, invalid token) or 503 (the
 * service could not decide, unless {@code on-unavailable = allow-anonymous}).
 *
 * <p>Thread-safe; never blocks: a call to the service continues the chain on the thread that
 * receives its answer. The token is never logged nor put in an error message.
 */
final class AuthServiceFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(AuthServiceFilter.class);

    private final AuthSettings settings;
    private final AuthClient client;
    private final VerdictCache cache;
    private final AuthMetrics metrics;
    private final Subscription instanceWatch;
    private final Map<TokenDigest, CompletableFuture<Verdict>> inFlight = new ConcurrentHashMap<>();

    AuthServiceFilter(AuthSettings settings, AuthClient client, VerdictCache cache, AuthMetrics metrics, Subscription instanceWatch) {
        this.settings = requireNonNull(settings, "settings is null");
        this.client = requireNonNull(client, "client is null");
        this.cache = requireNonNull(cache, "cache is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.instanceWatch = requireNonNull(instanceWatch, "instanceWatch is null");
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        String token = token(exchange);
        if (token == null) {
            if (settings.optional()) {
                return chain.proceed(exchange);
            }
            return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAUTHORIZED, "a token is required")
                    .withHeader("WWW-Authenticate", Challenges.missingToken(settings.realm())));
        }
        TokenDigest digest = TokenDigest.of(token);
        Verdict cached = cache.get(digest);
        if (cached != null) {
            metrics.cacheHit();
            return apply(cached, token, exchange, chain);
        }
        metrics.cacheMiss();
        return validation(digest, token, exchange).handle((verdict, failure) -> {
            if (failure == null) {
                return apply(verdict, token, exchange, chain);
            }
            Throwable cause = AuthClient.unwrap(failure);
            if (cause instanceof AuthClient.Unavailable unavailable) {
                return unavailable(unavailable, exchange, chain);
            }
            return CompletableFuture.<Void>failedStage(cause);
        }).thenCompose(Function.identity());
    }

    /**
     * The service's verdict on a token that is not in the cache: the call already in flight for
     * it, if another request started one (a page loading fires several requests with one token at
     * once), else a new call. The call's outcome is counted and its verdict cached before it is
     * no longer in flight, so that a request arriving in between finds one or the other.
     */
    private CompletableFuture<Verdict> validation(TokenDigest digest, String token, Exchange exchange) {
        CompletableFuture<Verdict> pending = inFlight.get(digest);
        if (pending != null) {
            return pending;
        }
        CompletableFuture<Verdict> call = new CompletableFuture<>();
        pending = inFlight.putIfAbsent(digest, call);
        if (pending != null) {
            return pending;
        }
        long started = System.nanoTime();
        CompletionStage<Verdict> validated;
        try {
            validated = client.validate(exchange, token);
        }
        catch (RuntimeException e) {
            // Never leave a call in flight that will not complete: every later request would wait on it.
            validated = CompletableFuture.failedFuture(e);
        }
        validated.whenComplete((verdict, failure) -> {
            long nanos = System.nanoTime() - started;
            if (failure == null) {
                metrics.answered(verdict, nanos);
                cache.put(digest, verdict);
            }
            else if (AuthClient.unwrap(failure) instanceof AuthClient.Unavailable unavailable) {
                metrics.unavailable(unavailable.overDeadline(), nanos);
            }
            inFlight.remove(digest, call);
            if (failure == null) {
                call.complete(verdict);
            }
            else {
                call.completeExceptionally(failure);
            }
        });
        return call;
    }

    private String token(Exchange exchange) {
        for (TokenSource source : settings.tokenSources()) {
            String token = source.find(exchange.request().headers());
            if (token != null) {
                return token;
            }
        }
        return null;
    }

    private CompletionStage<Void> apply(Verdict verdict, String token, Exchange exchange, Chain chain) {
        if (verdict instanceof Verdict.Valid valid) {
            exchange.setPrincipal(valid.principal());
            return chain.proceed(exchange);
        }
        String description = Challenges.description(((Verdict.Invalid) verdict).reason(), token);
        return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAUTHORIZED, "invalid token: " + description)
                .withHeader("WWW-Authenticate", Challenges.invalidToken(settings.realm(), description)));
    }

    /**
     * Fails closed with a 503 that the runtime logs (its cause, with the service's own words, at
     * debug level), or goes on anonymous and logs why, once, here.
     */
    private CompletionStage<Void> unavailable(AuthClient.Unavailable cause, Exchange exchange, Chain chain) {
        if (settings.onUnavailable() == AuthSettings.OnUnavailable.ALLOW_ANONYMOUS) {
            LOG.warn("Request {}: cannot validate the token ({}); going on without a principal", exchange.requestId(), cause.getMessage());
            return chain.proceed(exchange);
        }
        return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAVAILABLE, "the authentication service is unavailable"
                + (cause.overDeadline() ? " (it did not answer in time)" : ""), cause));
    }

    @Override
    public int order() {
        return Order.AUTHENTICATION;
    }

    /** The verdicts kept, for tests. */
    VerdictCache cache() {
        return cache;
    }

    @Override
    public void close() {
        instanceWatch.close();
    }

    @Override
    public String toString() {
        return "AuthServiceFilter[service=" + settings.service() + ", method=" + settings.method() + "]";
    }
}
