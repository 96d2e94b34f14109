package dev.tollgate.runtime.upstream;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.Upstream;
import dev.tollgate.runtime.config.GatewayConfigReader;
import dev.tollgate.runtime.config.HoconConfig;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The retry loop of {@link Upstream#execute} on a real {@link ServiceUpstream} (three instances,
 * round robin) with a scripted {@link Upstream.Execution} standing in for a backend: which
 * outcomes are retried for which requests, what is delivered, discarded and closed, and how the
 * end of the exchange stops it. Stages complete at once (the loop's fast path) or later on
 * another thread.
 */
class RetryLoopTest {
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private final ScheduledExecutorService completer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        completer.shutdownNow();
    }

    /** A service of instances a, b and c with these runtime settings over the defaults; retries wait 1-2 ms. */
    private ServiceUpstream service(String settings, ScheduledExecutorService retryScheduler) {
        Config defaults = ConfigFactory.parseResources(GatewayConfigReader.class.getClassLoader(), "reference.conf")
                .getConfig("gateway.service-defaults");
        HoconConfig block = new HoconConfig(ConfigFactory.parseString("retries { backoff = 1ms, max-backoff = 2ms }\n" + settings),
                "test.services.svc", "svc").withFallback(defaults);
        List<ServiceInstance> instances = List.of(instance("a"), instance("b"), instance("c"));
        return new ServiceUpstream("svc", UpstreamSettings.read(block), instances, "test", metrics, retryScheduler);
    }

    private ServiceUpstream service(String settings) {
        return service(settings, scheduler);
    }

    private static ServiceInstance instance(String id) {
        return new ServiceInstance(id, URI.create("http://127.0.0.1:9"), 1, Map.of());
    }

    private static int inFlight(ServiceUpstream service) {
        return service.members().stream().mapToInt(InstanceState::inFlight).sum();
    }

    private long counter(String name, String label, String value) {
        return metrics.counter(ServiceUpstream.METRICS_PREFIX, name, "service", "svc", label, value).getCount();
    }

    // --- outcomes, as a backend would complete its stages

    private static Function<Attempt, CompletionStage<Outcome<String>>> status(int status) {
        return attempt -> CompletableFuture.completedFuture(Outcome.status(status, status + " from " + attempt.instance().id()));
    }

    private static Function<Attempt, CompletionStage<Outcome<String>>> failure(Attempt.Failure kind) {
        return attempt -> CompletableFuture.completedFuture(Outcome.failure(kind, new java.io.IOException(kind + " at " + attempt.instance().id())));
    }

    private static Function<Attempt, CompletionStage<Outcome<String>>> failedAnswer(boolean retryable) {
        return attempt -> CompletableFuture.completedFuture(Outcome.failedAnswer("unavailable from " + attempt.instance().id(), retryable));
    }

    private static Function<Attempt, CompletionStage<Outcome<String>>> success() {
        return attempt -> CompletableFuture.completedFuture(Outcome.success("ok from " + attempt.instance().id()));
    }

    /** The same outcome, completed later on another thread (the loop registers a callback). */
    private Function<Attempt, CompletionStage<Outcome<String>>> later(Function<Attempt, CompletionStage<Outcome<String>>> step) {
        return attempt -> {
            CompletableFuture<Outcome<String>> stage = new CompletableFuture<>();
            completer.schedule(() -> step.apply(attempt).thenAccept(stage::complete), 5, TimeUnit.MILLISECONDS);
            return stage;
        };
    }

    @Test
    void aRetriedStatusIsRetriedElsewhereForGetButDeliveredForPost() throws Throwable {
        ServiceUpstream service = service("");
        ScriptedExecution get = new ScriptedExecution(status(503), later(status(200)));
        assertThat(run(service, new FakeExchange("GET"), get)).startsWith("200 from ");
        assertThat(get.instances).hasSize(2).doesNotHaveDuplicates();
        assertThat(get.discarded).containsExactly("503 from " + get.instances.get(0));
        assertThat(inFlight(service)).as("the delivered attempt stays open").isEqualTo(1);
        get.delivered().close();
        assertThat(inFlight(service)).isZero();

        ScriptedExecution post = new ScriptedExecution(later(status(503)), status(200));
        assertThat(run(service, new FakeExchange("POST"), post)).startsWith("503 from ");
        assertThat(post.instances).hasSize(1);
        assertThat(post.discarded).isEmpty();
        post.delivered().close();
        assertThat(inFlight(service)).isZero();
        assertThat(counter("retries", "outcome", "allowed")).isEqualTo(1);
        assertThat(counter("attempts", "outcome", "failure_status")).isEqualTo(2);
    }

    @Test
    void aFailureThatNeverReachedTheInstanceIsRetriedForAnyMethodWhileTheBodyCanBeSentAgain() throws Throwable {
        ServiceUpstream service = service("");
        ScriptedExecution connect = new ScriptedExecution(failure(Attempt.Failure.CONNECT), later(failure(Attempt.Failure.REFUSED)), success());
        assertThat(run(service, new FakeExchange("POST"), connect)).startsWith("ok from ");
        assertThat(connect.instances).containsExactlyInAnyOrder("a", "b", "c");
        connect.delivered().close();

        // A reset may have been processed: not for a POST.
        ScriptedExecution reset = new ScriptedExecution(failure(Attempt.Failure.RESET), success());
        assertThatThrownBy(() -> run(service, new FakeExchange("POST"), reset)).satisfies(failure ->
                assertThat(gatewayError(failure)).isEqualTo(ErrorCode.BAD_GATEWAY)).hasMessageContaining("service 'svc' failed before answering");
        assertThat(reset.instances).hasSize(1);

        // The body went out: it cannot be sent again, whatever the failure.
        ScriptedExecution consumed = new ScriptedExecution(failure(Attempt.Failure.CONNECT), success());
        consumed.replayable = false;
        assertThatThrownBy(() -> run(service, new FakeExchange("GET"), consumed)).hasMessageContaining("service 'svc' could not be reached");
        assertThat(consumed.instances).hasSize(1);
        assertThat(inFlight(service)).isZero();

        // A timeout is not retried by default.
        ScriptedExecution timeout = new ScriptedExecution(later(failure(Attempt.Failure.TIMEOUT)), success());
        assertThatThrownBy(() -> run(service, new FakeExchange("GET"), timeout)).satisfies(failure ->
                assertThat(gatewayError(failure)).isEqualTo(ErrorCode.GATEWAY_TIMEOUT));
        assertThat(timeout.instances).hasSize(1);
        assertThat(inFlight(service)).isZero();
    }

    @Test
    void exhaustedAttemptsDeliverTheLastAnswerAndDiscardTheOthers() throws Throwable {
        ServiceUpstream service = service("");
        ScriptedExecution execution = new ScriptedExecution(status(503), later(status(502)), status(504), success());
        assertThat(run(service, new FakeExchange("GET"), execution)).startsWith("504 from ");
        assertThat(execution.instances).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(execution.discarded).hasSize(2).allMatch(answer -> answer.startsWith("503 ") || answer.startsWith("502 "));
        assertThat(inFlight(service)).isEqualTo(1);
        execution.delivered().close();
        assertThat(inFlight(service)).isZero();

        // Failures all the way: the last one is the answer.
        ScriptedExecution failing = new ScriptedExecution(failure(Attempt.Failure.CONNECT), failure(Attempt.Failure.CONNECT),
                later(failure(Attempt.Failure.RESET)), success());
        assertThatThrownBy(() -> run(service, new FakeExchange("GET"), failing)).hasMessageContaining("failed before answering");
        assertThat(failing.instances).hasSize(3);
        assertThat(inFlight(service)).isZero();
    }

    @Test
    void aSpentBudgetStopsRetries() throws Throwable {
        ServiceUpstream service = service("retries.budget { percent = 0, min-per-second = 0 }");
        ScriptedExecution execution = new ScriptedExecution(status(503), status(200));
        assertThat(run(service, new FakeExchange("GET"), execution)).startsWith("503 from ");
        assertThat(execution.instances).hasSize(1);
        assertThat(counter("retries", "outcome", "budget_exhausted")).isEqualTo(1);
        execution.delivered().close();
        assertThat(inFlight(service)).isZero();
    }

    @Test
    void failedAnswersAreRetriedOnlyWhenRetryableAndIdempotent() throws Throwable {
        ServiceUpstream service = service("");
        ScriptedExecution retryable = new ScriptedExecution(failedAnswer(true), later(success()));
        assertThat(run(service, new FakeExchange("GET"), retryable)).startsWith("ok from ");
        assertThat(retryable.discarded).hasSize(1);
        retryable.delivered().close();

        ScriptedExecution final_ = new ScriptedExecution(failedAnswer(false), success());
        assertThat(run(service, new FakeExchange("GET"), final_)).startsWith("unavailable from ");
        assertThat(final_.instances).hasSize(1);
        final_.delivered().close();

        // A POST the backend knows to be idempotent (a gRPC method marked so) is retried too.
        ScriptedExecution idempotentPost = new ScriptedExecution(failedAnswer(true), success());
        idempotentPost.idempotent = true;
        assertThat(run(service, new FakeExchange("POST"), idempotentPost)).startsWith("ok from ");
        idempotentPost.delivered().close();
        ScriptedExecution post = new ScriptedExecution(failedAnswer(true), success());
        assertThat(run(service, new FakeExchange("POST"), post)).startsWith("unavailable from ");
        post.delivered().close();

        assertThat(counter("attempts", "outcome", "failed_answer")).isEqualTo(4);
        assertThat(counter("attempts", "outcome", "success")).isEqualTo(2);
        assertThat(inFlight(service)).isZero();
    }

    @Test
    void theClientGoingAwayDuringAnAttemptStopsRetrying() throws Throwable {
        ServiceUpstream service = service("");
        FakeExchange exchange = new FakeExchange("GET");
        CompletableFuture<Outcome<String>> inFlight = new CompletableFuture<>();
        ScriptedExecution execution = new ScriptedExecution(attempt -> inFlight, success());
        CompletionStage<String> result = service.execute(exchange, execution);
        exchange.end(new java.io.EOFException("client gone"));
        assertThat(result.toCompletableFuture()).isNotDone();
        // The backend aborts its request; the attempt ends as cancelled, and nothing more is tried.
        inFlight.complete(Outcome.failure(Attempt.Failure.CANCELLED, null));
        assertThatThrownBy(() -> result.toCompletableFuture().get(10, TimeUnit.SECONDS)).hasMessageContaining("was cancelled");
        assertThat(execution.instances).hasSize(1);
        assertThat(inFlight(service)).isZero();
        assertThat(counter("attempts", "outcome", "cancelled")).isEqualTo(1);

        // An answer that comes after the client left is discarded, its attempt closed.
        FakeExchange second = new FakeExchange("GET");
        CompletableFuture<Outcome<String>> answering = new CompletableFuture<>();
        ScriptedExecution late = new ScriptedExecution(attempt -> answering);
        CompletionStage<String> lateResult = service.execute(second, late);
        second.end(new java.io.EOFException("client gone"));
        answering.complete(Outcome.status(200, "too late"));
        assertThatThrownBy(() -> lateResult.toCompletableFuture().get(10, TimeUnit.SECONDS)).hasMessageContaining("was cancelled");
        assertThat(late.discarded).containsExactly("too late");
        assertThat(inFlight(service)).isZero();
    }

    @Test
    void theClientGoingAwayDuringTheBackOffEndsTheWaitAtOnce() throws Throwable {
        HeldScheduler held = new HeldScheduler();
        try {
            ServiceUpstream service = service("retries { backoff = 1h, max-backoff = 1h }", held);
            FakeExchange exchange = new FakeExchange("GET");
            ScriptedExecution execution = new ScriptedExecution(status(503), success());
            CompletionStage<String> result = service.execute(exchange, execution);
            await().atMost(Duration.ofSeconds(10)).until(() -> held.scheduled.size() == 1);
            assertThat(execution.discarded).hasSize(1);
            assertThat(result.toCompletableFuture()).isNotDone();

            exchange.end(new java.io.EOFException("client gone"));
            assertThatThrownBy(() -> result.toCompletableFuture().get(10, TimeUnit.SECONDS)).hasMessageContaining("was cancelled");
            assertThat(held.scheduled.get(0).isCancelled()).isTrue();
            held.runAll();
            assertThat(execution.instances).hasSize(1);
            assertThat(inFlight(service)).isZero();

            // Without the client leaving, the held retry runs when its time comes.
            FakeExchange patient = new FakeExchange("GET");
            ScriptedExecution retried = new ScriptedExecution(status(503), success());
            CompletionStage<String> answer = service.execute(patient, retried);
            assertThat(answer.toCompletableFuture()).isNotDone();
            held.runAll();
            assertThat(answer.toCompletableFuture().get(10, TimeUnit.SECONDS)).startsWith("ok from ");
            retried.delivered().close();
            assertThat(inFlight(service)).isZero();
        }
        finally {
            held.shutdownNow();
        }
    }

    @Test
    void anExchangeThatAlreadyEndedMakesNoAttempt() {
        ServiceUpstream service = service("");
        FakeExchange exchange = new FakeExchange("GET");
        exchange.end(null);
        ScriptedExecution execution = new ScriptedExecution(success());
        assertThatThrownBy(() -> run(service, exchange, execution)).hasMessageContaining("was cancelled");
        assertThat(execution.instances).isEmpty();
    }

    @Test
    void bugsAndTheClientsOwnErrorsEndTheExchangeAsTheyAre() {
        ServiceUpstream service = service("");
        IllegalStateException bug = new IllegalStateException("a bug in the backend");
        ScriptedExecution failedStage = new ScriptedExecution(attempt -> CompletableFuture.failedFuture(bug), success());
        assertThatThrownBy(() -> run(service, new FakeExchange("GET"), failedStage)).isSameAs(bug);
        ScriptedExecution throwing = new ScriptedExecution(attempt -> {
            throw bug;
        }, success());
        assertThatThrownBy(() -> run(service, new FakeExchange("GET"), throwing)).isSameAs(bug);
        ScriptedExecution noOutcome = new ScriptedExecution(later(attempt -> CompletableFuture.completedFuture(null)), success());
        assertThatThrownBy(() -> run(service, new FakeExchange("GET"), noOutcome)).hasMessageContaining("without an outcome");
        assertThat(failedStage.instances.size() + throwing.instances.size() + noOutcome.instances.size()).isEqualTo(3);
        assertThat(counter("attempts", "outcome", "cancelled")).isEqualTo(3);

        // The client's body was too large: its own error is the answer.
        GatewayException tooLarge = new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is too large");
        ScriptedExecution clientFailure = new ScriptedExecution(
                attempt -> CompletableFuture.completedFuture(Outcome.failure(Attempt.Failure.CANCELLED, tooLarge)), success());
        assertThatThrownBy(() -> run(service, new FakeExchange("POST"), clientFailure)).isSameAs(tooLarge);
        assertThat(inFlight(service)).isZero();
    }

    @Test
    void noAvailableInstanceIsUnavailable() {
        ServiceUpstream empty = new ServiceUpstream("svc", service("").settings(), List.of(), "test", metrics, scheduler);
        assertThatThrownBy(() -> run(empty, new FakeExchange("GET"), new ScriptedExecution(success())))
                .satisfies(failure -> assertThat(gatewayError(failure)).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("service 'svc' has no instances");
    }

    @Test
    void failuresAreAnsweredWithTheErrorThatFitsThemNamingTheService() {
        assertThat(RetryLoop.toGatewayException("orders", Attempt.Failure.CONNECT, null))
                .hasMessage("service 'orders' could not be reached").extracting(GatewayException::code).isEqualTo(ErrorCode.BAD_GATEWAY);
        assertThat(RetryLoop.toGatewayException("orders", Attempt.Failure.REFUSED, null).code()).isEqualTo(ErrorCode.BAD_GATEWAY);
        assertThat(RetryLoop.toGatewayException("orders", Attempt.Failure.RESET, null).code()).isEqualTo(ErrorCode.BAD_GATEWAY);
        assertThat(RetryLoop.toGatewayException("orders", Attempt.Failure.TIMEOUT, null).code()).isEqualTo(ErrorCode.GATEWAY_TIMEOUT);
        assertThat(RetryLoop.toGatewayException("orders", Attempt.Failure.CANCELLED, new java.util.concurrent.RejectedExecutionException("full")))
                .hasMessage("service 'orders' has too many requests waiting").extracting(GatewayException::code).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(RetryLoop.toGatewayException("orders", Attempt.Failure.CANCELLED, null))
                .hasMessage("the request to service 'orders' was cancelled").extracting(GatewayException::code).isEqualTo(ErrorCode.UNAVAILABLE);
    }

    // --- helpers

    /** Runs the exchange and waits for what the loop delivers; throws what it fails with. */
    private static String run(ServiceUpstream service, Exchange exchange, ScriptedExecution execution) throws Throwable {
        try {
            return service.execute(exchange, execution).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause();
        }
    }

    private static ErrorCode gatewayError(Throwable failure) {
        return failure instanceof GatewayException gateway ? gateway.code() : null;
    }

    /** A backend that answers each attempt with the next scripted step, and records what the loop did with it. */
    private static final class ScriptedExecution implements Upstream.Execution<String> {
        private final Queue<Function<Attempt, CompletionStage<Outcome<String>>>> steps;
        final List<String> instances = new CopyOnWriteArrayList<>();
        final List<String> discarded = new CopyOnWriteArrayList<>();
        final List<Attempt> attempts = new CopyOnWriteArrayList<>();
        volatile boolean replayable = true;
        volatile Boolean idempotent;

        @SafeVarargs
        ScriptedExecution(Function<Attempt, CompletionStage<Outcome<String>>>... steps) {
            this.steps = new ArrayDeque<>(List.of(steps));
        }

        @Override
        public CompletionStage<Outcome<String>> attempt(Attempt attempt) {
            instances.add(attempt.instance().id());
            attempts.add(attempt);
            Function<Attempt, CompletionStage<Outcome<String>>> step;
            synchronized (steps) {
                step = steps.remove();
            }
            return step.apply(attempt);
        }

        @Override
        public boolean replayable() {
            return replayable;
        }

        @Override
        public boolean idempotent(Exchange exchange) {
            Boolean known = idempotent;
            return known != null ? known : Upstream.Execution.super.idempotent(exchange);
        }

        @Override
        public void discard(String answer) {
            discarded.add(answer);
        }

        /** The attempt of the delivered answer: the last one, which the backend closes. */
        Attempt delivered() {
            return attempts.get(attempts.size() - 1);
        }
    }

    /** An exchange with a method, whose end the test decides. */
    private static final class FakeExchange implements Exchange {
        private final Exchange.Request request;
        private final List<Consumer<Throwable>> listeners = new ArrayList<>();
        private boolean ended;

        FakeExchange(String method) {
            this.request = (Exchange.Request) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Exchange.Request.class},
                    (proxy, called, arguments) -> switch (called.getName()) {
                        case "method" -> method;
                        case "headers" -> Headers.create();
                        case "path" -> "/";
                        case "toString" -> "Request[" + method + "]";
                        default -> throw new UnsupportedOperationException(called.getName());
                    });
        }

        void end(Throwable failure) {
            List<Consumer<Throwable>> toCall;
            synchronized (this) {
                ended = true;
                toCall = List.copyOf(listeners);
            }
            toCall.forEach(listener -> listener.accept(failure));
        }

        @Override
        public void onComplete(Consumer<Throwable> listener) {
            synchronized (this) {
                if (!ended) {
                    listeners.add(listener);
                    return;
                }
            }
            listener.accept(null);
        }

        @Override
        public String requestId() {
            return "test";
        }

        @Override
        public Exchange.Request request() {
            return request;
        }

        @Override
        public Exchange.Response response() {
            throw new UnsupportedOperationException("response");
        }

        @Override
        public Exchange.Route route() {
            throw new UnsupportedOperationException("route");
        }

        @Override
        public Exchange.Connection connection() {
            throw new UnsupportedOperationException("connection");
        }

        @Override
        public java.util.Optional<dev.tollgate.api.Principal> principal() {
            return java.util.Optional.empty();
        }

        @Override
        public void setPrincipal(dev.tollgate.api.Principal principal) {
            throw new UnsupportedOperationException("setPrincipal");
        }

        @Override
        public <T> T attribute(dev.tollgate.api.http.Attribute<T> key) {
            return null;
        }

        @Override
        public <T> void setAttribute(dev.tollgate.api.http.Attribute<T> key, T value) {
            throw new UnsupportedOperationException("setAttribute");
        }

        @Override
        public CompletionStage<Void> upgradeToWebSocket(dev.tollgate.api.websocket.WebSocketHandler handler,
                                                        dev.tollgate.api.websocket.WebSocketSettings settings) {
            throw new UnsupportedOperationException("upgradeToWebSocket");
        }
    }

    /** A scheduler that holds what it is given until the test runs it, so a back-off lasts as long as the test wants. */
    private static final class HeldScheduler extends ScheduledThreadPoolExecutor {
        final List<ScheduledFuture<?>> scheduled = Collections.synchronizedList(new ArrayList<>());
        private final List<Runnable> tasks = Collections.synchronizedList(new ArrayList<>());

        HeldScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            ScheduledFuture<?> future = super.schedule(command, 1, TimeUnit.HOURS);
            tasks.add(() -> {
                if (!future.isCancelled()) {
                    command.run();
                }
            });
            scheduled.add(future);
            return future;
        }

        void runAll() {
            List<Runnable> due;
            synchronized (tasks) {
                due = List.copyOf(tasks);
                tasks.clear();
            }
            due.forEach(Runnable::run);
        }
    }
}
