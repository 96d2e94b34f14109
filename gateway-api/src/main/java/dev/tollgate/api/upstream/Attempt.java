package dev.tollgate.api.upstream;

/**
 * One try of an exchange on one instance. Under {@link Upstream#execute} the runtime reports each
 * attempt's {@link Outcome} itself and the backend only {@link #close closes} the attempt whose
 * answer was delivered. A backend that drives attempts by hand with {@link Upstream#choose}
 * reports the outcome once — {@link #responded} when response headers arrived,
 * {@link #answered} for an answer in another protocol, or {@link #failed} when none will come —
 * and closes the attempt when the instance is done with the exchange (response body relayed, or
 * abandoned).
 *
 * <p>The outcome feeds the instance's passive health, its circuit breaker and its latency
 * estimate; the attempt counts as in flight for {@code least-requests} until closed. Reports
 * after the first are ignored; closing without a report counts as {@link Failure#CANCELLED}.
 * Thread-safe.
 */
public interface Attempt extends AutoCloseable {

    /** The instance chosen. */
    ServiceInstance instance();

    /**
     * The instance answered with {@code status}. A status the service counts as a failure
     * (by default 502, 503 and 504) marks the instance like a failed attempt; anything else is a
     * success. The time from {@code choose} to this call is the instance's latency sample.
     */
    void responded(int status);

    /** No response will come from this attempt. */
    void failed(Failure failure);

    /**
     * The instance answered, in a protocol whose answers are not HTTP statuses (gRPC): a
     * {@code failed} answer marks the instance like a failed attempt, another counts as a success.
     * The time from {@code choose} to this call is the instance's latency sample.
     *
     * @since 1.2
     */
    default void answered(boolean failed) {
        throw new UnsupportedOperationException("answered");
    }

    /** Ends the attempt; idempotent. */
    @Override
    void close();

    /** Why an attempt failed. */
    enum Failure {
        /** The connection could not be established (refused, unreachable, TLS handshake): the request never reached the instance. */
        CONNECT,
        /**
         * The instance refused the request without processing it (HTTP/2 {@code REFUSED_STREAM},
         * {@code GOAWAY} before the stream): safe to retry, like {@link #CONNECT}.
         */
        REFUSED,
        /** The connection failed after the request was (possibly) sent: reset, closed, or a malformed response. */
        RESET,
        /** No response within the timeout. */
        TIMEOUT,
        /** The client went away or the gateway gave up: says nothing about the instance. */
        CANCELLED;

        /** Whether the request certainly did not reach the instance, so any method may be retried. */
        public boolean neverReachedInstance() {
            return this == CONNECT || this == REFUSED;
        }
    }
}
