package dev.tollgate.plugin.ratelimit;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.plugin.ratelimit.internal.Decision;
import dev.tollgate.plugin.ratelimit.internal.LocalStore;
import dev.tollgate.plugin.ratelimit.internal.Policy;
import dev.tollgate.plugin.ratelimit.internal.PolicyKeys;
import dev.tollgate.plugin.ratelimit.internal.RateLimitSettings;
import dev.tollgate.plugin.ratelimit.internal.RedisConnection;
import dev.tollgate.plugin.ratelimit.internal.RedisStore;
import dev.tollgate.plugin.ratelimit.internal.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * The {@code rate-limit} filter: checks each request against the configured policies, refuses it
 * with 429 {@code TOO_MANY_REQUESTS} (and {@code Retry-After}) when one is exhausted, and sends
 * the IETF {@code RateLimit-Policy} and {@code RateLimit} fields (draft-ietf-httpapi-ratelimit-headers)
 * on every response, errors of later filters and the backend included.
 *
 * <p>Policies are checked in their configured order and the first refusal stops; the units the
 * earlier policies counted for the refused request are given back ({@code Store.refund}), so that
 * only admitted requests consume quota and a client hammering a limit is admitted again as soon
 * as the window allows.
 */
public final class RateLimitFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);
    static final String OUTCOME_ADMITTED = "admitted";
    static final String OUTCOME_LIMITED = "limited";
    static final String OUTCOME_STORE_FAILURE = "store-failure";

    private final RateLimitSettings settings;
    private final PolicyKeys keys;
    private final Store store;
    private final LocalStore localStore;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Metrics.Counter> decisions = new HashMap<>();
    private final Metrics.Timer redisLatency;
    private final Metrics.Counter redisErrors;
    private final AtomicReference<String> outage = new AtomicReference<>();
    private volatile boolean closed;

    private RateLimitFilter(RateLimitSettings settings, PluginContext context, String name) {
        this.settings = requireNonNull(settings, "settings is null");
        this.keys = new PolicyKeys(settings.policies());
        this.scheduler = context.scheduler();
        Metrics metrics = context.metrics();
        Metrics.Counter full = metrics.counter("local_store_full", "filter", name);
        this.localStore = LocalStore.create(settings.maxTrackedKeys(), scheduler, full::increment);
        for (Policy policy : settings.policies()) {
            for (String outcome : List.of(OUTCOME_ADMITTED, OUTCOME_LIMITED, OUTCOME_STORE_FAILURE)) {
                decisions.put(policy.name() + '\n' + outcome,
                        metrics.counter("decisions", "filter", name, "policy", policy.name(), "outcome", outcome));
            }
        }
        metrics.gauge("tracked_keys", localStore::trackedKeys, "filter", name);
        if (settings.redis().isPresent()) {
            RedisConnection connection = context.shared(new RedisConnection.Key(settings.redis().get()),
                    () -> RedisConnection.start(settings.redis().get(), context.blockingExecutor(), context.scheduler()));
            this.store = new RedisStore(connection);
            this.redisLatency = metrics.timer("redis_latency", "filter", name);
            this.redisErrors = metrics.counter("redis_errors", "filter", name);
            context.registerHealth("store " + name, () -> {
                String reason = outage.get();
                return reason == null ? Health.up() : Health.degraded("Redis store failing (" + reason + "); "
                        + (settings.failOpen() ? "admitting, counted per instance" : "refusing with 503"));
            });
        }
        else {
            this.store = localStore;
            this.redisLatency = null;
            this.redisErrors = null;
        }
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        List<PolicyKeys.Check> checks = keys.checks(exchange);
        if (checks.isEmpty()) {
            return chain.proceed(exchange);
        }
        List<Decided> decided = new ArrayList<>(checks.size());
        return decideInOrder(checks, 0, decided).thenCompose(last -> {
            if (!last.admitted()) {
                List<Decision> shown = refundAdmissions(decided);
                shown.add(last);
                return CompletableFuture.failedStage(limited(last, shown));
            }
            List<Decision> decisions = decided.stream().map(Decided::decision).toList();
            return chain.proceed(exchange).thenRun(() -> addHeaders(exchange.response().headers(), decisions));
        });
    }

    /** An admission, with the key and the store that counted it (the local one when failing open). */
    private record Decided(Decision decision, String key, Store store) {
    }

    /**
     * Decides the checks from {@code index} on, adding admissions to {@code decided}; completes
     * with the last decision: a refusal, or the last admission. A store failure that refuses
     * (fail-closed) gives back the admissions already counted and fails.
     */
    private CompletionStage<Decision> decideInOrder(List<PolicyKeys.Check> checks, int index, List<Decided> decided) {
        PolicyKeys.Check check = checks.get(index);
        return decide(check.policy(), check.key()).handle((outcome, failure) -> {
            if (failure != null) {
                refundAdmissions(decided);
                return CompletableFuture.<Decision>failedStage(failure);
            }
            Decision decision = outcome.decision();
            count(decision.policy(), decision.admitted() ? OUTCOME_ADMITTED : OUTCOME_LIMITED);
            if (!decision.admitted()) {
                return CompletableFuture.completedFuture(decision);
            }
            decided.add(outcome);
            return index + 1 == checks.size() ? CompletableFuture.completedFuture(decision) : decideInOrder(checks, index + 1, decided);
        }).thenCompose(stage -> stage);
    }

    /**
     * Gives back what the admissions of a request that is refused after all consumed: only admitted
     * requests consume quota. Returns the admissions as they stand after the refund, for the headers.
     */
    private List<Decision> refundAdmissions(List<Decided> admissions) {
        List<Decision> refunded = new ArrayList<>(admissions.size() + 1);
        for (Decided admission : admissions) {
            admission.store().refund(admission.decision(), admission.key()).whenComplete((ignored, failure) -> {
                if (failure != null) {
                    LOG.debug("Could not refund an admission of policy '{}': {}", admission.decision().policy().name(), failure.toString());
                }
            });
            refunded.add(admission.decision().refunded());
        }
        return refunded;
    }

    private CompletionStage<Decided> decide(Policy policy, String key) {
        if (store == localStore) {
            return CompletableFuture.completedFuture(new Decided(localStore.decideNow(policy, key), key, localStore));
        }
        long started = System.nanoTime();
        CompletableFuture<Decision> bounded = new CompletableFuture<>();
        ScheduledFuture<?> timeout = scheduler.schedule(
                () -> bounded.completeExceptionally(new TimeoutException("no answer within " + settings.storeTimeout().toMillis() + " ms")),
                settings.storeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        CompletionStage<Decision> reply;
        try {
            reply = store.decide(policy, key);
        }
        catch (RuntimeException e) {
            reply = CompletableFuture.failedStage(e);
        }
        reply.whenComplete((decision, failure) -> {
            timeout.cancel(false);
            if (failure == null) {
                redisLatency.record(System.nanoTime() - started);
                bounded.complete(decision);
            }
            else {
                bounded.completeExceptionally(failure);
            }
        });
        return bounded.handle((decision, failure) -> {
            if (failure == null) {
                recovered();
                return new Decided(decision, key, store);
            }
            return new Decided(storeFailed(policy, key, failure), key, localStore);
        });
    }

    private Decision storeFailed(Policy policy, String key, Throwable failure) {
        redisErrors.increment();
        count(policy, OUTCOME_STORE_FAILURE);
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String reason = String.valueOf(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        if (outage.compareAndSet(null, reason)) {
            scheduleProbe();
            LOG.warn("The Redis rate-limit store fails ({}): {} until it answers again", reason,
                    settings.failOpen() ? "admitting requests counted by this instance alone" : "refusing requests with 503");
        }
        if (settings.failOpen()) {
            return localStore.decideNow(policy, key);
        }
        throw new GatewayException(ErrorCode.UNAVAILABLE, "rate limits cannot be checked now").withHeader("Retry-After", "1");
    }

    /**
     * While the store fails, probes it every second, so that recovery (and /health) does not wait
     * for a request to come by.
     */
    private void scheduleProbe() {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                if (outage.get() == null || closed) {
                    return;
                }
                ((RedisStore) store).probe().toCompletableFuture().orTimeout(settings.storeTimeout().toNanos(), TimeUnit.NANOSECONDS)
                        .whenComplete((ignored, failure) -> {
                            if (failure == null) {
                                recovered();
                            }
                            else {
                                scheduleProbe();
                            }
                        });
            }, 1, TimeUnit.SECONDS);
        }
        catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Not probing the Redis store: the scheduler is shut down");
        }
    }

    private void recovered() {
        String previous = outage.get();
        if (previous != null && outage.compareAndSet(previous, null)) {
            LOG.info("The Redis rate-limit store answers again: limits are shared by every instance again");
        }
    }

    private void count(Policy policy, String outcome) {
        decisions.get(policy.name() + '\n' + outcome).increment();
    }

    private GatewayException limited(Decision refused, List<Decision> decided) {
        GatewayException limited = new GatewayException(ErrorCode.TOO_MANY_REQUESTS,
                "rate limit '" + refused.policy().name() + "' reached");
        limited.withHeader("Retry-After", Long.toString(Math.max(1, refused.resetSeconds())));
        RateLimitHeaders.of(decided, settings.legacyHeaders()).forEach(limited::withHeader);
        return limited;
    }

    private void addHeaders(Headers headers, List<Decision> decided) {
        RateLimitHeaders.addTo(headers, decided, settings.legacyHeaders());
    }

    @Override
    public int order() {
        return Order.RATE_LIMIT;
    }

    @Override
    public void close() {
        closed = true;
        localStore.close();
        store.close();
    }

    /** Creates {@code rate-limit} filters. */
    public static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "rate-limit";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            return new RateLimitFilter(RateLimitSettings.read(config, context), context, config.path());
        }
    }
}
