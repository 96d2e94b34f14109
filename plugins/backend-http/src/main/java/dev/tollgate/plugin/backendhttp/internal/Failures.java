package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.upstream.Attempt;
import org.eclipse.jetty.client.RetryableRequestException;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * What a failed attempt means: which {@link Attempt.Failure} its outcome reports to the runtime's
 * retry loop (which decides passive health, whether a retry is safe, and the error the client gets
 * when none is made), and the error a response body ends with when the instance fails mid-body.
 */
final class Failures {
    /** Jetty's text for an HTTP/2 {@code RST_STREAM} with {@code REFUSED_STREAM}: the stream was not processed. */
    private static final String REFUSED_STREAM = "refused_stream_error";

    private Failures() {
    }

    /**
     * Classifies a failure that happened before the response headers arrived. Connection and TLS
     * handshake failures, and streams the instance refused unprocessed, never reached it; a
     * timeout is a timeout; anything else (reset, close, malformed response) may have been
     * processed.
     */
    static Attempt.Failure classify(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof NoRouteToHostException || cause instanceof UnknownHostException
                    || cause instanceof UnresolvedAddressException || cause instanceof SSLHandshakeException) {
                return Attempt.Failure.CONNECT;
            }
            if (cause instanceof SocketTimeoutException && isConnectTimeout(cause)) {
                return Attempt.Failure.CONNECT;
            }
            if (cause instanceof RetryableRequestException) {
                return Attempt.Failure.REFUSED;
            }
            if (cause instanceof IOException && cause.getMessage() != null
                    && cause.getMessage().toLowerCase(Locale.ROOT).contains(REFUSED_STREAM)) {
                return Attempt.Failure.REFUSED;
            }
            if (cause instanceof TimeoutException) {
                return Attempt.Failure.TIMEOUT;
            }
            if (cause instanceof RejectedExecutionException) {
                // The gateway refused to queue more (a full per-instance queue, a stopped client):
                // nothing about the instance; the runtime answers "too many requests waiting".
                return Attempt.Failure.CANCELLED;
            }
        }
        return Attempt.Failure.RESET;
    }

    private static boolean isConnectTimeout(Throwable timeout) {
        String message = timeout.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("connect");
    }

    /** The error a response body ends with when the instance fails after the headers were relayed. */
    static GatewayException bodyFailure(String service, Throwable cause) {
        if (classify(cause) == Attempt.Failure.TIMEOUT) {
            return new GatewayException(ErrorCode.GATEWAY_TIMEOUT, "service '" + service + "' stopped sending the response", cause);
        }
        return new GatewayException(ErrorCode.BAD_GATEWAY, "service '" + service + "' failed while sending the response", cause);
    }
}
