package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisResponseTimeoutException;
import org.redisson.client.RedisTimeoutException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What a failed Redis command means for the bridge, and how it is reported to callers. */
public final class RedisFailures {
    private RedisFailures() {
    }

    /** The failure without the wrappers that completion stages add. */
    public static Throwable cause(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A short description for logs and health: the type and message, without wrappers. */
    public static String describe(Throwable failure) {
        Throwable cause = cause(failure);
        String message = cause.getMessage();
        if (message != null && message.length() > 200) {
            message = message.substring(0, 200) + "…";
        }
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Whether the command surely never reached Redis: no connection, or it was never written. */
    public static boolean neverSent(Throwable failure) {
        Throwable cause = cause(failure);
        return cause instanceof RedisConnectionException
                || cause instanceof RedisTimeoutException && !(cause instanceof RedisResponseTimeoutException);
    }

    /**
     * Whether Redis surely did not carry the command out: it never reached Redis, or Redis answered
     * with an error. A response timeout is the one unknown outcome.
     */
    public static boolean notExecuted(Throwable failure) {
        Throwable cause = cause(failure);
        return neverSent(cause) || cause instanceof RedisException && !(cause instanceof RedisTimeoutException);
    }

    /** The failure as the {@code UNAVAILABLE} error callers receive. */
    public static GatewayException unavailable(String what, Throwable failure) {
        Throwable cause = cause(failure);
        if (cause instanceof GatewayException gatewayException) {
            return gatewayException;
        }
        return new GatewayException(ErrorCode.UNAVAILABLE, what + ": " + describe(cause), cause);
    }
}
