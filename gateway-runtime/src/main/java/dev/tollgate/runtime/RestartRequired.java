package dev.tollgate.runtime;

import dev.tollgate.runtime.config.GatewayConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of the configuration that live as long as the process — listeners and their limits,
 * the event bus, where plugins and data live, the system endpoints' paths — and so change only
 * with a restart. A reload applies everything else and names these.
 */
final class RestartRequired {
    private RestartRequired() {
    }

    /** One line per process-wide part that differs between the running and the new configuration. */
    static List<String> between(GatewayConfig running, GatewayConfig next) {
        List<String> notes = new ArrayList<>();
        GatewayConfig.Server a = running.server();
        GatewayConfig.Server b = next.server();
        if (!a.host().equals(b.host()) || !a.http().equals(b.http()) || !a.https().equals(b.https())) {
            notes.add("gateway.server listeners (host, ports, TLS) changed");
        }
        if (!a.limits().equals(b.limits())) {
            notes.add("gateway.server.limits changed (routes use the new body limits and data rates now; connection limits need a restart)");
        }
        if (!a.security().equals(b.security()) || !a.requestIdHeader().equals(b.requestIdHeader())
                || a.maxThreads() != b.maxThreads() || a.minThreads() != b.minThreads()
                || a.reservedThreads() != b.reservedThreads()
                || !a.shutdownGracePeriod().equals(b.shutdownGracePeriod())) {
            notes.add("gateway.server (security, request-id-header, threads or shutdown-grace-period) changed");
        }
        if (!a.forwarding().equals(b.forwarding())) {
            notes.add("gateway.server trusted-proxies, client-address-header or identity-headers changed");
        }
        if (!running.events().bridge().equals(next.events().bridge())
                || !running.events().config().config().root().equals(next.events().config().config().root())
                || !running.events().localHistory().equals(next.events().localHistory())
                || running.events().localMaxHistoryChannels() != next.events().localMaxHistoryChannels()) {
            notes.add("gateway.events changed: the event bus is kept until a restart");
        }
        if (!running.plugins().directory().equals(next.plugins().directory())) {
            notes.add("gateway.plugins.directory changed");
        }
        if (!running.dataDirectory().equals(next.dataDirectory())) {
            notes.add("gateway.data-directory changed");
        }
        GatewayConfig.SystemEndpoints x = running.system();
        GatewayConfig.SystemEndpoints y = next.system();
        if (x.enabled() != y.enabled() || !x.healthPath().equals(y.healthPath()) || !x.metricsPath().equals(y.metricsPath())) {
            notes.add("gateway.system paths changed");
        }
        return notes;
    }
}
