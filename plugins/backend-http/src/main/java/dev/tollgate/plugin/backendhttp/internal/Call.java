package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.upstream.Outcome;

import java.util.concurrent.CompletionStage;

/**
 * One attempt of a {@link ProxyExchange} on one instance, whichever client carries it: Jetty's
 * {@code HttpClient} ({@link BackendCall}: TLS, HTTP/2, {@code Expect: 100-continue}) or the
 * gateway's own HTTP/1.1 connections ({@link Http1Call}: clear-text HTTP/1.1, the common case).
 *
 * <p>The contract is the retry loop's: {@link #outcome()} completes once, at the response's
 * status and headers or with the failure that left none; the loop then either
 * {@link #deliver delivers} the call (its status, headers and body are relayed) or
 * {@link #discard discards} it.
 */
interface Call {
    /** Completes with the attempt's outcome: at the response headers, or when none will come; never exceptionally. */
    CompletionStage<Outcome<Call>> outcome();

    /** Builds the request and sends it to the instance. */
    void send();

    /** Aborts the request (the client went away); the outcome, if still open, reports the failure. */
    void abort(Throwable cause);

    /** The loop delivered this call's response: relay it, or abandon it if the exchange has ended. */
    void deliver();

    /** The loop discarded this call's response (a retry replaces it): its body is never read. */
    void discard();

    /** The exchange ended; after a failure, or with the body never relayed, the response is abandoned. */
    void exchangeEnded(Throwable failure);
}
