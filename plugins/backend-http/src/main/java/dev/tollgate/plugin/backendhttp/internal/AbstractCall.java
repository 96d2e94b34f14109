package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.upstream.Attempt;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import static java.util.Objects.requireNonNull;

/**
 * What both kinds of {@link Call} share: the exchange and the attempt they belong to, and the end
 * of a delivered attempt — closed once for the registry when its body has been relayed, has failed
 * (counted, and mapped to the error the client's body ends with) or was cancelled by the client
 * (the instance's response abandoned).
 */
abstract class AbstractCall implements Call, ResponseBodyPublisher.Listener {
    private static final AtomicIntegerFieldUpdater<AbstractCall> CLOSED = AtomicIntegerFieldUpdater.newUpdater(AbstractCall.class, "closed");

    final ProxyExchange owner;
    final Attempt attempt;
    private volatile int closed;

    AbstractCall(ProxyExchange owner, Attempt attempt) {
        this.owner = requireNonNull(owner, "owner is null");
        this.attempt = requireNonNull(attempt, "attempt is null");
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
