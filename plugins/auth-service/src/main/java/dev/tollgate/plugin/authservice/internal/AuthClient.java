package dev.tollgate.plugin.authservice.internal;

import com.google.protobuf.DynamicMessage;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.Outcome;
import dev.tollgate.api.upstream.Upstream;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Calls the validation method for one token, through the runtime's {@link Upstream#execute}
 * (balancing, health, circuit breakers, retries on another instance) on the shared
 * {@link AuthChannels}, within one deadline for all attempts.
 *
 * <p>Statuses are classified for the runtime as the gRPC backend does: a connection failure before
 * headers is no answer (retried anywhere), {@code UNAVAILABLE} a failed retryable answer,
 * {@code DEADLINE_EXCEEDED}, {@code INTERNAL}, {@code UNKNOWN} and {@code DATA_LOSS} failed
 * answers, other statuses answers. For the filter any status but {@code OK} means the service
 * could not decide.
 *
 * <p>Thread-safe and non-blocking: the stage completes on a gRPC transport thread or the runtime's
 * scheduler.
 */
final class AuthClient {
    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private final String service;
    private final Upstream upstream;
    private final AuthChannels channels;
    private final ValidationMethod method;
    private final Duration deadline;

    AuthClient(String service, Upstream upstream, AuthChannels channels, ValidationMethod method, Duration deadline) {
        this.service = requireNonNull(service, "service is null");
        this.upstream = requireNonNull(upstream, "upstream is null");
        this.channels = requireNonNull(channels, "channels is null");
        this.method = requireNonNull(method, "method is null");
        this.deadline = requireNonNull(deadline, "deadline is null");
    }

    /**
     * The service's verdict on {@code token}. The stage fails with {@link Unavailable} when the
     * service could not decide: no instance available, every attempt failed, the deadline passed,
     * an error status, or an answer that makes no sense.
     */
    CompletionStage<Verdict> validate(Exchange exchange, String token) {
        Deadline callDeadline = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
        DynamicMessage request = method.request(token);
        Metadata metadata = new Metadata();
        metadata.put(REQUEST_ID, exchange.requestId());
        CompletionStage<Answer> answer;
        try {
            answer = upstream.execute(exchange, new Upstream.Execution<Answer>() {
                @Override
                public CompletionStage<Outcome<Answer>> attempt(Attempt attempt) {
                    return call(attempt, request, metadata, callDeadline);
                }

                @Override
                public boolean idempotent(Exchange ignored) {
                    // Validating a token changes nothing: safe on another instance after a reset.
                    return true;
                }
            });
        }
        catch (GatewayException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((answered, failure) -> {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                boolean overDeadline = cause instanceof GatewayException gateway && gateway.code() == ErrorCode.GATEWAY_TIMEOUT;
                throw new Unavailable(overDeadline, "service '" + service + "' did not answer: " + cause.getMessage(), cause);
            }
            answered.attempt().close();
            Status status = answered.status();
            if (!status.isOk()) {
                // The service's own description, without the token should it quote it; not the
                // status as a cause, whose message would repeat the description as it is.
                String description = status.getDescription() == null ? "" : ": " + status.getDescription().replace(token, "[token]");
                throw new Unavailable(status.getCode() == Status.Code.DEADLINE_EXCEEDED,
                        "service '" + service + "' answered " + status.getCode() + description, null);
            }
            try {
                return method.verdict(answered.message(), AuthServiceFilterFactory.NAME);
            }
            catch (ValidationMethod.MalformedAnswer e) {
                throw new Unavailable(false, "service '" + service + "': " + e.getMessage(), e);
            }
        });
    }

    private CompletionStage<Outcome<Answer>> call(Attempt attempt, DynamicMessage request, Metadata metadata, Deadline callDeadline) {
        ManagedChannel channel;
        try {
            channel = channels.channel(attempt.instance());
        }
        catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.completedFuture(Outcome.failure(Attempt.Failure.CONNECT,
                    new GatewayException(ErrorCode.BAD_GATEWAY, e.getMessage())));
        }
        CompletableFuture<Outcome<Answer>> outcome = new CompletableFuture<>();
        ClientCall<DynamicMessage, DynamicMessage> call = channel.newCall(method.grpcMethod(), CallOptions.DEFAULT.withDeadline(callDeadline));
        Metadata headers = new Metadata();
        headers.merge(metadata);
        call.start(new ClientCall.Listener<>() {
            private boolean headersReceived;
            private DynamicMessage message;

            @Override
            public void onHeaders(Metadata received) {
                headersReceived = true;
            }

            @Override
            public void onMessage(DynamicMessage received) {
                message = received;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                Status ended = status.isOk() && message == null ? Status.INTERNAL.withDescription("the instance answered no message") : status;
                outcome.complete(classify(ended, headersReceived, new Answer(attempt, ended, message)));
            }
        }, headers);
        call.sendMessage(request);
        call.halfClose();
        call.request(1);
        return outcome;
    }

    /** What an ended call means for the instance (health, circuit breaker, retry). */
    private static Outcome<Answer> classify(Status status, boolean headersReceived, Answer answer) {
        if (status.getCode() == Status.Code.UNAVAILABLE && !headersReceived && status.getCause() != null) {
            return Outcome.failure(connectFailure(status.getCause()) ? Attempt.Failure.CONNECT : Attempt.Failure.RESET, status.asRuntimeException());
        }
        return switch (status.getCode()) {
            case UNAVAILABLE -> Outcome.failedAnswer(answer, true);
            case DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, DATA_LOSS -> Outcome.failedAnswer(answer, false);
            default -> Outcome.success(answer);
        };
    }

    private static boolean connectFailure(Throwable cause) {
        for (Throwable current = cause; current != null; current = current.getCause()) {
            if (current instanceof ConnectException || current instanceof UnknownHostException || current instanceof NoRouteToHostException
                    || current instanceof SSLException) {
                return true;
            }
            if (current instanceof IOException && current.getCause() == null) {
                return false;
            }
        }
        return false;
    }

    /** One attempt's answer: its status and, when OK, the response message. */
    private record Answer(Attempt attempt, Status status, DynamicMessage message) {
    }

    /** The failure inside a {@link CompletionException}, or the failure itself. */
    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** The service could not decide about the token; the message never holds the token. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final boolean overDeadline;

        Unavailable(boolean overDeadline, String message, Throwable cause) {
            super(message, cause);
            this.overDeadline = overDeadline;
        }

        /** Whether the deadline passed before an answer came. */
        boolean overDeadline() {
            return overDeadline;
        }
    }
}
