package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.PluginConfig;

import java.time.Duration;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * One route's options ({@code tollgate.backends.http.route} in {@code reference.conf}), read and
 * checked once when the runtime builds the routing table.
 *
 * @param pathRewrite how the forwarded path is derived from the canonical one
 * @param preserveHost send the client's Host (true) or the instance's authority
 * @param forwarded which forwarding headers to add
 * @param via the pseudonym of the Via header, or empty for none
 * @param responseTimeoutMillis response headers deadline after the request; 0 for none
 * @param idleTimeoutMillis idle timeout of the backend stream; 0 for none
 */
record RouteSettings(PathRewrite pathRewrite, boolean preserveHost, Forwarded forwarded, String via,
                     long responseTimeoutMillis, long idleTimeoutMillis) {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    RouteSettings {
        requireNonNull(pathRewrite, "pathRewrite is null");
        requireNonNull(forwarded, "forwarded is null");
        requireNonNull(via, "via is null");
    }

    /** Reads a route's options, with the service's timeouts where the route does not override them. */
    static RouteSettings from(PluginConfig route, ServiceSettings service) {
        String via = route.getString("via");
        if (!via.isEmpty() && !TOKEN.matcher(via).matches()) {
            throw route.error("via", "must be a token (letters, digits, - . _ and the like), got '" + via + "'");
        }
        Duration response = route.has("timeouts.response") ? ServiceSettings.notNegative(route, "timeouts.response")
                : service.timeouts().response();
        Duration idle = route.has("timeouts.idle") ? ServiceSettings.notNegative(route, "timeouts.idle")
                : service.timeouts().idle();
        Forwarded forwarded = new Forwarded(
                route.getBoolean("forwarded.x-forwarded-for"),
                route.getBoolean("forwarded.x-forwarded-proto"),
                route.getBoolean("forwarded.x-forwarded-host"),
                route.getBoolean("forwarded.x-forwarded-port"),
                route.getBoolean("forwarded.forwarded"),
                route.getBoolean("forwarded.x-real-ip"));
        return new RouteSettings(PathRewrite.from(route), route.getBoolean("preserve-host"), forwarded, via,
                response.toMillis(), idle.toMillis());
    }

    /**
     * Which forwarding headers the route writes; lists extend a trusted proxy's, the others keep a
     * trusted proxy's value or add the gateway's ({@code X-Real-IP} is always the gateway's).
     */
    record Forwarded(boolean xForwardedFor, boolean xForwardedProto, boolean xForwardedHost, boolean xForwardedPort,
                     boolean forwarded, boolean xRealIp) {
    }
}
