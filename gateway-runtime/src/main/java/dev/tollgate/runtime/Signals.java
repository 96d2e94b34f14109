package dev.tollgate.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SIGHUP} as "reload the configuration", the convention of nginx, HAProxy and Envoy's
 * hot-restarter. The JDK offers signal handling only through {@code sun.misc.Signal}
 * ({@code jdk.unsupported}, kept for exactly this use); where the platform has no such signal
 * (Windows) reloads are still available through the file watch.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    /** Calls {@code action} on every {@code SIGHUP}; logs and does nothing where there is none. */
    @SuppressWarnings("sunapi")
    static void onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                LOG.info("SIGHUP: reloading the configuration");
                action.run();
            });
        }
        catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LOG.info("No SIGHUP on this platform ({}); reload with the file watch (gateway.reload.watch = true)", e.toString());
        }
    }
}
