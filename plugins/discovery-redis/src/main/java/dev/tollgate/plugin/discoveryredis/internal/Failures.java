package dev.tollgate.plugin.discoveryredis.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Short descriptions of Redis failures for log lines and health details. */
public final class Failures {

    private Failures() {
    }

    /**
     * The innermost message of a failure, with its type: Redisson wraps the reason (connection
     * refused, timed out) in exceptions carrying advice of its own.
     */
    public static String describe(Throwable failure) {
        String message = null;
        for (Throwable each = failure; each != null; each = each.getCause() == each ? null : each.getCause()) {
            if (each.getMessage() != null && !(each instanceof CompletionException) && !(each instanceof ExecutionException)) {
                message = each.getClass().getSimpleName() + ": " + each.getMessage();
            }
        }
        return message != null ? message : failure.getClass().getSimpleName();
    }
}
