package dev.tollgate.runtime.upstream;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import dev.tollgate.api.upstream.RetryPolicy;
import dev.tollgate.api.upstream.Upstream;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * One exchange's run through {@link Upstream#execute}: its attempts, what each outcome means for
 * the instance, and whether it is retried (grpc-java's {@code RetriableStream}, without the
 * buffering: the backend says whether its request can be sent again).
 *
 * <p>One attempt at a time: choose an instance (excluding those already tried), hand the attempt
 * to the {@link Upstream.Execution}, report its {@link Outcome} to the attempt, then deliver the
 * answer, fail the exchange, or retry — at once when the back-off is zero, otherwise from the
 * scheduler. The safety rules (replayable, never reached or idempotent), the policy (attempts,
 * retried statuses and failures, budget) and the end of the exchange decide.
 *
 * <p>Threads: the attempts run one after the other — on the caller's thread, the thread that
 * completed the previous attempt's stage, or the scheduler — each started after the previous one
 * ended (a stage's completion or the scheduler's hand-off orders them), so the per-exchange
 * fields need no locks. Only the end of the exchange comes from elsewhere (the server's thread):
 * it sets {@link #ended}, and ends a back-off wait itself through a compare-and-set on
 * {@link #state}, so that exactly one party completes {@link #result}. An attempt in flight is
 * never completed from there: its stage completes (the backend aborts it when the client is
 * gone) and the loop then stops.
 *
 * <p>Per exchange: this object, the result, and the attempt; the set of excluded instances only
 * when a retry happens; no callback registration when the stage is complete already.
 *
 * @param <T> the answer type
 */
final class RetryLoop<T> implements BiConsumer<Outcome<T>, Throwable>, Consumer<Throwable>, Runnable {
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<RetryLoop> STATE = AtomicIntegerFieldUpdater.newUpdater(RetryLoop.class, "state");
    /** An attempt is being made or is in flight: only its completion moves on. */
    private static final int RUNNING = 0;
    /** Waiting for the back-off before the next attempt: the timer or the end of the exchange moves on. */
    private static final int WAITING = 1;
    /** The result is completed. */
    private static final int DONE = 2;

    private final ServiceUpstream service;
    private final Exchange exchange;
    private final Upstream.Execution<T> execution;
    private final RetryPolicy policy;
    private final ScheduledExecutorService scheduler;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile int state = RUNNING;
    private volatile boolean ended;
    private volatile ScheduledFuture<?> timer;
    // Touched by one attempt at a time (see the class comment).
    private Attempt current;
    private int attempts;
    private Set<String> excluded;

    RetryLoop(ServiceUpstream service, Exchange exchange, Upstream.Execution<T> execution, ScheduledExecutorService scheduler) {
        this.service = requireNonNull(service, "service is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.execution = requireNonNull(execution, "execution is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.policy = service.retryPolicy();
    }

    /** Makes the first attempt; the stage is {@link Upstream#execute}'s. */
    CompletionStage<T> start() {
        exchange.onComplete(this);
        attempt();
        return result;
    }

    // --- attempts

    private void attempt() {
        if (ended) {
            finish(cancelled(null));
            return;
        }
        Attempt attempt;
        try {
            attempt = service.choose(exchange, excluded == null ? Set.of() : excluded);
        }
        catch (RuntimeException e) {
            finish(e);
            return;
        }
        attempts++;
        current = attempt;
        CompletionStage<Outcome<T>> stage;
        try {
            stage = execution.attempt(attempt);
            if (stage == null) {
                throw new IllegalStateException("the execution of service '" + service.name() + "' returned no stage for " + attempt);
            }
        }
        catch (RuntimeException e) {
            abandon(attempt);
            finish(e);
            return;
        }
        // The class test keeps out CompletableFuture.completedStage's minimal stages, whose isDone throws.
        if (stage instanceof CompletableFuture<Outcome<T>> future && future.getClass() == CompletableFuture.class
                && future.isDone() && !future.isCompletedExceptionally()) {
            accept(future.join(), null);
        }
        else {
            stage.whenComplete(this);
        }
    }

    /** The current attempt's stage completed: reports the outcome, then delivers, fails or retries. */
    @Override
    public void accept(Outcome<T> outcome, Throwable failure) {
        Attempt attempt = current;
        if (failure != null || outcome == null) {
            abandon(attempt);
            finish(failure != null ? unwrap(failure)
                    : new IllegalStateException("the execution of service '" + service.name() + "' completed " + attempt + " without an outcome"));
            return;
        }
        try {
            switch (outcome.kind()) {
                case SUCCESS -> {
                    attempt.answered(false);
                    deliver(attempt, outcome.answer());
                }
                case STATUS -> {
                    attempt.responded(outcome.status());
                    if (policy.retriesStatus(outcome.status()) && mayRetry(true)) {
                        retryAfter(attempt, outcome.answer());
                    }
                    else {
                        deliver(attempt, outcome.answer());
                    }
                }
                case FAILED_ANSWER -> {
                    attempt.answered(true);
                    if (outcome.retryable() && mayRetry(true)) {
                        retryAfter(attempt, outcome.answer());
                    }
                    else {
                        deliver(attempt, outcome.answer());
                    }
                }
                case FAILURE -> {
                    Attempt.Failure kind = outcome.failure();
                    attempt.failed(kind);
                    attempt.close();
                    if (policy.retriesFailure(kind) && mayRetry(!kind.neverReachedInstance())) {
                        retry(attempt);
                    }
                    else {
                        finish(toGatewayException(service.name(), kind, outcome.cause()));
                    }
                }
            }
        }
        catch (RuntimeException e) {
            // The execution's replayable, idempotent or discard failed: a bug; the answer is not delivered.
            abandon(attempt);
            finish(e);
        }
    }

    /**
     * Whether another attempt is safe and allowed; takes a retry from the budget when it is.
     *
     * @param mayHaveReachedInstance whether the request may have been processed, so that only an
     *        idempotent one may be sent again
     */
    private boolean mayRetry(boolean mayHaveReachedInstance) {
        return !ended
                && attempts < policy.maxAttempts()
                && execution.replayable()
                && (!mayHaveReachedInstance || execution.idempotent(exchange))
                && policy.tryAcquire();
    }

    /** Discards an answer a retry replaces, then retries. */
    private void retryAfter(Attempt attempt, T answer) {
        attempt.close();
        execution.discard(answer);
        retry(attempt);
    }

    /** Tries again elsewhere after the policy's back-off. */
    private void retry(Attempt failed) {
        if (excluded == null) {
            excluded = new HashSet<>(4);
        }
        excluded.add(failed.instance().id());
        long delay = policy.backoff(attempts).toNanos();
        if (delay <= 0) {
            attempt();
            return;
        }
        state = WAITING;
        try {
            timer = scheduler.schedule(this, delay, TimeUnit.NANOSECONDS);
        }
        catch (RejectedExecutionException e) {
            if (STATE.compareAndSet(this, WAITING, DONE)) {
                result.completeExceptionally(new GatewayException(ErrorCode.UNAVAILABLE,
                        "the request to service '" + service.name() + "' was cancelled: the gateway is stopping", e));
            }
            return;
        }
        if (ended) {
            endWait();
        }
    }

    /** The back-off is over. */
    @Override
    public void run() {
        if (STATE.compareAndSet(this, WAITING, RUNNING)) {
            attempt();
        }
    }

    // --- the end

    /** The exchange ended (the client went away, or it was answered otherwise): no further attempt. */
    @Override
    public void accept(Throwable failure) {
        ended = true;
        endWait();
    }

    /** Ends a back-off wait, if the loop is in one, failing the result. */
    private void endWait() {
        if (STATE.compareAndSet(this, WAITING, DONE)) {
            ScheduledFuture<?> pending = timer;
            if (pending != null) {
                pending.cancel(false);
            }
            result.completeExceptionally(cancelled(null));
        }
    }

    /** Delivers an answer, unless the exchange ended before it came. */
    private void deliver(Attempt attempt, T answer) {
        if (ended) {
            attempt.close();
            execution.discard(answer);
            finish(cancelled(null));
            return;
        }
        state = DONE;
        result.complete(answer);
    }

    /** An attempt whose answer, if any, will not be delivered: it says nothing about the instance. */
    private static void abandon(Attempt attempt) {
        attempt.failed(Attempt.Failure.CANCELLED);
        attempt.close();
    }

    private void finish(Throwable failure) {
        state = DONE;
        result.completeExceptionally(failure);
    }

    private GatewayException cancelled(Throwable cause) {
        return new GatewayException(ErrorCode.UNAVAILABLE, "the request to service '" + service.name() + "' was cancelled", cause);
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /**
     * The error answered when an attempt fails this way and is not retried: the cause itself when it
     * is a {@link GatewayException} (the client's own failure, or a backend's precise error);
     * otherwise one that names the service, never an instance.
     */
    static GatewayException toGatewayException(String service, Attempt.Failure kind, Throwable cause) {
        if (cause instanceof GatewayException answer) {
            return answer;
        }
        return switch (kind) {
            case CONNECT -> new GatewayException(ErrorCode.BAD_GATEWAY, "service '" + service + "' could not be reached", cause);
            case REFUSED -> new GatewayException(ErrorCode.BAD_GATEWAY, "service '" + service + "' refused the request", cause);
            case RESET -> new GatewayException(ErrorCode.BAD_GATEWAY, "service '" + service + "' failed before answering", cause);
            case TIMEOUT -> new GatewayException(ErrorCode.GATEWAY_TIMEOUT, "service '" + service + "' did not answer in time", cause);
            case CANCELLED -> isOverload(cause)
                    ? new GatewayException(ErrorCode.UNAVAILABLE, "service '" + service + "' has too many requests waiting", cause)
                    : new GatewayException(ErrorCode.UNAVAILABLE, "the request to service '" + service + "' was cancelled", cause);
        };
    }

    /** Whether the failure is the gateway refusing to queue more (a full per-instance queue, a stopped client). */
    private static boolean isOverload(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof RejectedExecutionException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "RetryLoop[" + service.name() + ", " + attempts + " attempts]";
    }
}
