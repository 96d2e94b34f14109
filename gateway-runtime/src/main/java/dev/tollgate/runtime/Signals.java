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

    /** What the log says when {@code SIGHUP} reaches no handler because the starting process ignores it. */
    static final String IGNORED = "SIGHUP is ignored by the process that started the gateway";

    /**
     * Calls {@code action} on every {@code SIGHUP}; logs and does nothing where there is none.
     *
     * <p>A process started with {@code SIGHUP} ignored ({@code nohup}, some supervisors) keeps it
     * ignored: the JVM does not take over a shutdown signal its parent chose to ignore, so
     * {@code bin/gateway reload} cannot reach it. That is logged as a warning.
     *
     * @return whether {@code SIGHUP} now reloads
     */
    @SuppressWarnings("sunapi")
    static boolean onHangup(Runnable action) {
        try {
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                LOG.info("SIGHUP: reloading the configuration");
                action.run();
            });
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                LOG.warn("{} (nohup?): `bin/gateway reload` cannot signal it; start it without nohup (e.g. under systemd or "
                        + "with setsid), or reload through the file watch (gateway.reload.watch = true)", IGNORED);
                return false;
            }
            return true;
        }
        catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LOG.info("No SIGHUP on this platform ({}); reload with the file watch (gateway.reload.watch = true)", e.toString());
            return false;
        }
    }
}
