package dev.tollgate.runtime.testing;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.RetryPolicy;
import dev.tollgate.api.upstream.Upstream;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A backend for the runtime's own tests of the upstream registry: each attempt asks the
 * registry for an instance, sends {@code GET <path>} to it with the JDK's HTTP client, reports
 * the outcome and retries the way a real backend must (idempotent GETs only, within the
 * policy). The answer carries the instance's id in {@code X-Instance} and its body. It is a
 * test fixture, not a proxy: the real one is the backend-http plugin.
 */
final class TestUpstreamBackend implements BackendFactory {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Override
    public String name() {
        return "test-upstream";
    }

    @Override
    public Backend create(PluginConfig config, PluginContext context) {
        Upstream upstream = context.upstreams().service(config.name());
        Duration timeout = config.getDuration("timeout");
        return routeOptions -> exchange -> attempt(exchange, upstream, context, timeout, new HashSet<>(), 1);
    }

    private static CompletionStage<Void> attempt(Exchange exchange, Upstream upstream, PluginContext context, Duration timeout,
                                                 Set<String> tried, int number) {
        Attempt attempt = upstream.choose(exchange, Set.copyOf(tried));
        tried.add(attempt.instance().id());
        URI target = attempt.instance().address().resolve(exchange.request().path());
        HttpRequest request = HttpRequest.newBuilder(target).timeout(timeout)
                .header("X-Key", String.valueOf(exchange.request().headers().get("X-Key"))).GET().build();
        RetryPolicy policy = upstream.retryPolicy();
        return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure == null) {
                attempt.responded(response.statusCode());
                attempt.close();
                if (policy.retriesStatus(response.statusCode()) && number < policy.maxAttempts() && policy.tryAcquire()) {
                    return retry(exchange, upstream, context, timeout, tried, number);
                }
                exchange.response().setStatus(response.statusCode());
                exchange.response().headers().set("X-Instance", attempt.instance().id());
                exchange.response().headers().set("X-Attempts", String.valueOf(number));
                exchange.response().setBody(response.body(), "text/plain");
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            Attempt.Failure kind = cause instanceof ConnectException ? Attempt.Failure.CONNECT
                    : cause instanceof HttpTimeoutException ? Attempt.Failure.TIMEOUT
                    : cause instanceof IOException ? Attempt.Failure.RESET : Attempt.Failure.CANCELLED;
            attempt.failed(kind);
            attempt.close();
            if (policy.retriesFailure(kind) && number < policy.maxAttempts() && policy.tryAcquire()) {
                return retry(exchange, upstream, context, timeout, tried, number);
            }
            return CompletableFuture.<Void>failedFuture(kind == Attempt.Failure.TIMEOUT
                    ? new GatewayException(ErrorCode.GATEWAY_TIMEOUT, "instance " + attempt.instance().id() + " timed out")
                    : new GatewayException(ErrorCode.BAD_GATEWAY, "instance " + attempt.instance().id() + " failed: " + kind));
        }).thenCompose(stage -> stage);
    }

    private static CompletionStage<Void> retry(Exchange exchange, Upstream upstream, PluginContext context, Duration timeout,
                                               Set<String> tried, int number) {
        long delay = upstream.retryPolicy().backoff(number).toNanos();
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.scheduler().schedule(() -> {
            try {
                attempt(exchange, upstream, context, timeout, tried, number + 1).whenComplete((ignored, failure) -> {
                    if (failure != null) {
                        done.completeExceptionally(failure);
                    }
                    else {
                        done.complete(null);
                    }
                });
            }
            catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, delay, TimeUnit.NANOSECONDS);
        return done;
    }
}
