package dev.tollgate.api.upstream;

import static java.util.Objects.requireNonNull;

/**
 * How one attempt of {@link Upstream#execute} went, in terms that do not depend on the
 * backend's protocol: the instance answered and the answer is good, the instance answered and
 * the answer counts as a failure (possibly worth trying elsewhere), or no answer came at all.
 *
 * <p>The runtime turns an outcome into the instance's passive health, circuit breaker and
 * latency sample, and decides from it whether the exchange is retried. A backend builds one with
 * the factory that fits its protocol:
 * <ul>
 *   <li>HTTP: {@link #status} — the service's {@code failure-statuses} and
 *       {@code retries.statuses} say what the status means;</li>
 *   <li>gRPC and other protocols: {@link #success} or {@link #failedAnswer}, with the backend's
 *       own judgement (a gRPC {@code UNAVAILABLE} from trailers is a failed, retryable answer);</li>
 *   <li>any protocol: {@link #failure} when nothing was answered (connect failure, reset,
 *       timeout).</li>
 * </ul>
 *
 * @param <T> what an answer carries to the backend (its response object)
 * @since 1.2
 */
public final class Outcome<T> {

    /** What kind of outcome this is. */
    public enum Kind {
        /** The instance answered; the answer is good. */
        SUCCESS,
        /** The instance answered with an HTTP status the service's configuration classifies. */
        STATUS,
        /** The instance answered; the backend counts the answer as a failure. */
        FAILED_ANSWER,
        /** No answer will come from this attempt. */
        FAILURE
    }

    private final Kind kind;
    private final T answer;
    private final int status;
    private final boolean retryable;
    private final Attempt.Failure failure;
    private final Throwable cause;

    private Outcome(Kind kind, T answer, int status, boolean retryable, Attempt.Failure failure, Throwable cause) {
        this.kind = kind;
        this.answer = answer;
        this.status = status;
        this.retryable = retryable;
        this.failure = failure;
        this.cause = cause;
    }

    /** The instance answered and the answer is good: it is delivered, never retried. */
    public static <T> Outcome<T> success(T answer) {
        return new Outcome<>(Kind.SUCCESS, requireNonNull(answer, "answer is null"), 0, false, null, null);
    }

    /**
     * The instance answered with an HTTP status. It counts as a failed attempt when the service's
     * {@code failure-statuses} hold it (by default 502, 503, 504), and is retried — when retrying is
     * safe (an idempotent request whose body can be sent again) and the retry policy allows — when
     * {@code retries.statuses} hold it. Otherwise {@code answer} is delivered.
     *
     * @throws IllegalArgumentException when {@code httpStatus} is not a final status (200–599)
     */
    public static <T> Outcome<T> status(int httpStatus, T answer) {
        if (httpStatus < 200 || httpStatus > 599) {
            throw new IllegalArgumentException("not a final HTTP status: " + httpStatus);
        }
        return new Outcome<>(Kind.STATUS, requireNonNull(answer, "answer is null"), httpStatus, false, null, null);
    }

    /**
     * The instance answered, and the backend counts the answer as a failure of the instance (for
     * passive health and the circuit breaker). When {@code retryable}, another attempt may
     * succeed and the runtime retries if that is safe and the policy allows; otherwise, or when no
     * retry is possible, {@code answer} is delivered.
     */
    public static <T> Outcome<T> failedAnswer(T answer, boolean retryable) {
        return new Outcome<>(Kind.FAILED_ANSWER, requireNonNull(answer, "answer is null"), 0, retryable, null, null);
    }

    /**
     * No answer will come from this attempt. The runtime retries when the failure is in the
     * policy's {@code retries.failures} and retrying is safe: always when the request never
     * reached the instance ({@link Attempt.Failure#neverReachedInstance()}) and its body can be
     * sent again, otherwise only for an idempotent request. When it does not retry, the exchange
     * fails with the {@link dev.tollgate.api.GatewayException} that fits the failure (502, 503 or
     * 504) — or with {@code cause} itself when it is a {@code GatewayException}: that is how a
     * backend answers the client's own failure ({@link Attempt.Failure#CANCELLED} with the
     * runtime's error for a request body too large or too slow) or a precise error of its own.
     *
     * @param cause what went wrong, for the log and the error's cause; may be null
     */
    public static <T> Outcome<T> failure(Attempt.Failure failure, Throwable cause) {
        return new Outcome<>(Kind.FAILURE, null, 0, false, requireNonNull(failure, "failure is null"), cause);
    }

    public Kind kind() {
        return kind;
    }

    /** The answer; {@code null} for {@link Kind#FAILURE}. */
    public T answer() {
        return answer;
    }

    /** The HTTP status of a {@link Kind#STATUS} outcome; 0 otherwise. */
    public int status() {
        return status;
    }

    /** Whether a {@link Kind#FAILED_ANSWER} may be retried. */
    public boolean retryable() {
        return retryable;
    }

    /** The failure of a {@link Kind#FAILURE} outcome; {@code null} otherwise. */
    public Attempt.Failure failure() {
        return failure;
    }

    /** The cause of a {@link Kind#FAILURE} outcome, if the backend gave one. */
    public Throwable cause() {
        return cause;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SUCCESS -> "Outcome[success]";
            case STATUS -> "Outcome[status " + status + "]";
            case FAILED_ANSWER -> "Outcome[failed answer" + (retryable ? ", retryable]" : "]");
            case FAILURE -> "Outcome[failure " + failure + "]";
        };
    }
}
