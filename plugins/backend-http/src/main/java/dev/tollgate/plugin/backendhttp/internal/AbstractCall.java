package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import static java.util.Objects.requireNonNull;

/**
 * What both kinds of {@link Call} share: the exchange, the attempt and the instance they belong
 * to, the attempt's outcome, the host the request names, and the end
 * of a delivered attempt — closed once for the registry when its body has been relayed, has failed
 * (counted, and mapped to the error the client's body ends with) or was cancelled by the client
 * (the instance's response abandoned).
 */
abstract class AbstractCall implements Call, ResponseBodyPublisher.Listener {
    private static final AtomicIntegerFieldUpdater<AbstractCall> CLOSED = AtomicIntegerFieldUpdater.newUpdater(AbstractCall.class, "closed");

    final ProxyExchange owner;
    final Attempt attempt;
    final InstanceTarget target;
    /** Completed once: at the response headers, or when none will come; never exceptionally. */
    final CompletableFuture<Outcome<Call>> outcome = new CompletableFuture<>();
    private volatile int closed;

    AbstractCall(ProxyExchange owner, Attempt attempt, InstanceTarget target) {
        this.owner = requireNonNull(owner, "owner is null");
        this.attempt = requireNonNull(attempt, "attempt is null");
        this.target = requireNonNull(target, "target is null");
    }

    /** Completes with the attempt's outcome: at the response headers, or when none will come; never exceptionally. */
    @Override
    public final CompletionStage<Outcome<Call>> outcome() {
        return outcome;
    }

    /** The authority the request to the instance names: the client's when the route preserves it, else the instance's. */
    final String upstreamHost(String clientAuthority) {
        return owner.route().preserveHost() ? clientAuthority : target.authority();
    }

    /** Stops reading the instance's response: the client no longer wants it. */
    abstract void abandonResponse(Throwable cause);

    @Override
    public final void bodyCompleted() {
        close();
    }

    @Override
    public final Throwable bodyFailed(Throwable failure) {
        owner.backend().metrics().bodyFailed();
        close();
        return Failures.bodyFailure(owner.backend().name(), failure);
    }

    @Override
    public final void bodyCancelled() {
        abandonResponse(new CancellationException("the client stopped reading the response"));
        close();
    }

    /** Ends the delivered attempt for the registry, once. */
    final void close() {
        if (CLOSED.compareAndSet(this, 0, 1)) {
            attempt.close();
        }
    }
}
