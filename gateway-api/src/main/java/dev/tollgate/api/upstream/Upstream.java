package dev.tollgate.api.upstream;

import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.http.Exchange;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One service of the {@link Upstreams} registry, as a backend uses it: run an exchange's
 * attempts through {@link #execute}, which chooses an instance for each, learns how it went and
 * retries within the service's {@link RetryPolicy} — the one retry loop every backend shares:
 *
 * <pre>{@code
 * return upstream.execute(exchange, attempt ->
 *         send(attempt.instance(), request)                       // completes when headers arrive
 *                 .thenApply(response -> Outcome.status(response.status(), new Call(attempt, response)))
 *                 .exceptionally(failure -> Outcome.failure(kind(failure), failure)))
 *         .thenAccept(call -> relay(call.response(), call.attempt()::close));  // the answer delivered; its
 *                                                                             // attempt closed after the body
 * }</pre>
 *
 * <p>A backend with needs of its own may still drive attempts by hand with {@link #choose}:
 *
 * <pre>{@code
 * Attempt attempt = upstream.choose(exchange, Set.of());   // throws UNAVAILABLE when none is
 * send(attempt.instance(), request)
 *     .whenComplete((response, failure) -> {
 *         if (failure == null) attempt.responded(response.status());
 *         else attempt.failed(Attempt.Failure.CONNECT);
 *     });
 * // … once the response body has been relayed, or abandoned:
 * attempt.close();
 * }</pre>
 *
 * <p>Thread-safe; {@link #choose} is on the request path, never blocks and allocates little.
 */
public interface Upstream {

    /** The service's name in {@code gateway.services}. */
    String name();

    /** The instances known now, healthy or not, in configuration or discovery order. */
    List<ServiceInstance> instances();

    /**
     * Chooses an instance for one attempt, with the service's load-balancing policy, among the
     * instances that are available: not marked down by active health checks, not ejected after
     * passive failures, and whose circuit breaker lets a request through (closed, or half-open
     * with a probe slot free). When every instance is unavailable but some exist, the runtime
     * may still return one (panic mode: better a possibly failing backend than none), as the
     * service's configuration says.
     *
     * @param exchange the exchange, for policies that key on the request (consistent hash on a
     *        header, cookie or the client address)
     * @param excluded ids of instances this exchange already tried; a retry goes elsewhere when
     *        another instance is available, and to one of these only when none is
     * @throws dev.tollgate.api.GatewayException {@code UNAVAILABLE} when no instance is available
     */
    Attempt choose(Exchange exchange, Set<String> excluded);

    /** How attempts of this service may be retried. */
    RetryPolicy retryPolicy();

    /**
     * Runs an exchange's attempts: for each, chooses an instance (as {@link #choose}, excluding the
     * instances this exchange already tried when another is available), hands the
     * {@link Attempt} to {@code execution}, and turns the {@link Outcome} its stage completes with
     * into the instance's health, circuit and latency report. Then it either delivers the answer
     * (the returned stage completes with it), or retries — after the policy's back-off, on the
     * runtime's scheduler — when the outcome asks for it and retrying is safe and allowed:
     * <ul>
     *   <li>safe: the request can be sent again ({@link Execution#replayable()}), and it either
     *       never reached the instance ({@link Attempt.Failure#neverReachedInstance()}) or may be
     *       processed twice ({@link Execution#idempotent});</li>
     *   <li>allowed: fewer than {@link RetryPolicy#maxAttempts()} attempts so far, the outcome's
     *       status or failure is one the policy retries, the retry budget has room, and the
     *       client is still there.</li>
     * </ul>
     * An answer not delivered because a retry replaces it, or because the exchange ended (the client
     * went away) before it came, goes to {@link Execution#discard}. Once the exchange has ended, no
     * further attempt is made.
     *
     * <p>When no attempt could be made (no available instance) or the last one failed without an
     * answer, the stage fails with a {@link dev.tollgate.api.GatewayException}: {@code UNAVAILABLE}
     * (503), {@code BAD_GATEWAY} (502) or {@code GATEWAY_TIMEOUT} (504), naming the service — or
     * with the failure's cause as it is when that is a {@code GatewayException} (see
     * {@link Outcome#failure}). A stage of {@code execution} that fails (rather than completing
     * with {@link Outcome#failure}), or an {@code attempt} call that throws, is a bug: the attempt
     * counts as {@link Attempt.Failure#CANCELLED cancelled} and the failure ends the exchange as
     * it is, without retry.
     *
     * <p>Attempts: the runtime reports each outcome to the {@link Attempt} and closes every attempt
     * whose answer is not delivered; the attempt of a delivered answer stays open and the backend
     * {@link Attempt#close() closes} it once the answer's body has been relayed or abandoned, so it
     * counts as in flight until then (the answer usually carries its attempt for that). The backend
     * never reports an outcome to an attempt itself.
     *
     * <p>Non-blocking; the stage may complete on the backend's threads or the runtime's scheduler.
     *
     * @param <T> the answer type
     * @since 1.2
     */
    default <T> CompletionStage<T> execute(Exchange exchange, Execution<T> execution) {
        return CompletableFuture.failedStage(new UnsupportedOperationException("execute"));
    }

    /**
     * How to speak TLS to this service's instances ({@code tls} of the service's block), read once
     * by the runtime: a backend builds its TLS context for {@code https://}, {@code h2://},
     * {@code grpcs://} and {@code wss://} instances from it, as the runtime's health probes do.
     *
     * @since 1.2
     */
    default TlsSettings tls() {
        throw new UnsupportedOperationException("tls");
    }

    /**
     * Calls {@code listener} with the complete instance list after every change (discovery
     * updates), so a backend can release what it holds for instances that left. Called on a
     * runtime thread; must not block.
     */
    Subscription watch(Consumer<List<ServiceInstance>> listener);

    /**
     * What {@link #execute} runs for each attempt, and what it needs to know to retry safely.
     *
     * <p>Threads: one attempt at a time. {@link #attempt} is called on the thread that called
     * {@code execute}, on the thread that completed the previous attempt's stage, or on the
     * runtime's scheduler after a back-off; the other methods on the thread that completed an
     * attempt's stage. Each call happens after the previous one.
     *
     * @param <T> the answer type
     * @since 1.2
     */
    @FunctionalInterface
    interface Execution<T> {

        /**
         * Sends the exchange's request to {@code attempt.instance()}. The stage completes with the
         * attempt's outcome once it is known (for HTTP, when response headers arrive) — never
         * exceptionally for a failure of the instance or the network, which is
         * {@link Outcome#failure}. Must not block; must not report to {@code attempt}.
         */
        CompletionStage<Outcome<T>> attempt(Attempt attempt);

        /**
         * Whether the request can be sent again now: true while its body has not been consumed
         * (or was buffered, or there is none). Asked before each retry.
         */
        default boolean replayable() {
            return true;
        }

        /**
         * Whether the request may be processed twice without harm, so that it may be retried after
         * it possibly reached an instance. By default, whether the exchange's HTTP method is
         * idempotent (RFC 9110 §9.2.2); a backend whose protocol knows better (gRPC's idempotent
         * methods) says so.
         */
        default boolean idempotent(Exchange exchange) {
            return RetryPolicy.isIdempotent(exchange.request().method());
        }

        /**
         * An answer that will not be delivered, because a retry replaces it or the exchange
         * ended: release what it holds (abort the response, return its connection). The
         * attempt it came from is already closed.
         */
        default void discard(T answer) {
        }
    }
}
