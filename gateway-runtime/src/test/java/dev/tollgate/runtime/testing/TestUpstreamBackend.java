package dev.tollgate.runtime.testing;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import dev.tollgate.api.upstream.Upstream;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A backend for the runtime's own tests of the upstream registry: it runs each exchange through
 * {@link Upstream#execute} (the runtime's retry loop), sending {@code GET <path>} to each
 * attempt's instance with the JDK's HTTP client and reporting the status or the failure as an
 * {@link Outcome}. The answer carries the instance's id in {@code X-Instance} and its body. It is
 * a test fixture, not a proxy: the real one is the backend-http plugin.
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
        return routeOptions -> exchange -> upstream.execute(exchange, (Upstream.Execution<Answer>) attempt -> send(exchange, attempt, timeout))
                .thenAccept(answer -> {
                    exchange.response().setStatus(answer.response().statusCode());
                    exchange.response().headers().set("X-Instance", answer.attempt().instance().id());
                    exchange.response().setBody(answer.response().body(), "text/plain");
                    // The body is in memory: the instance is done with the exchange.
                    answer.attempt().close();
                });
    }

    /** One instance's answer, with the attempt the backend closes once it is relayed. */
    private record Answer(Attempt attempt, HttpResponse<String> response) {
    }

    private static CompletionStage<Outcome<Answer>> send(Exchange exchange, Attempt attempt, Duration timeout) {
        URI target = attempt.instance().address().resolve(exchange.request().path());
        HttpRequest request = HttpRequest.newBuilder(target).timeout(timeout)
                .header("X-Key", String.valueOf(exchange.request().headers().get("X-Key"))).GET().build();
        return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure == null) {
                return Outcome.status(response.statusCode(), new Answer(attempt, response));
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            Attempt.Failure kind = cause instanceof ConnectException ? Attempt.Failure.CONNECT
                    : cause instanceof HttpTimeoutException ? Attempt.Failure.TIMEOUT
                    : cause instanceof IOException ? Attempt.Failure.RESET : Attempt.Failure.CANCELLED;
            return Outcome.failure(kind, cause);
        });
    }
}
