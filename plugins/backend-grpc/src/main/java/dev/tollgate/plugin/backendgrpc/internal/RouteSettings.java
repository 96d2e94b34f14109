package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.PluginConfig;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * One route's options for a grpc service.
 *
 * @param stripPrefix the prefix removed (whole segments) before matching; empty for none
 * @param deadline the route's deadline of unary calls, the service's unless set; zero for none
 * @param streamDeadline the route's deadline of server-streaming calls, the service's unless set; zero for none
 * @param openApiPath where the service's OpenAPI document is served, below the strip-prefix; empty for nowhere
 */
record RouteSettings(String stripPrefix, Duration deadline, Duration streamDeadline, String openApiPath) {

    RouteSettings {
        requireNonNull(stripPrefix, "stripPrefix is null");
        requireNonNull(deadline, "deadline is null");
        requireNonNull(streamDeadline, "streamDeadline is null");
        requireNonNull(openApiPath, "openApiPath is null");
    }

    static RouteSettings from(PluginConfig config, ServiceSettings service) {
        String prefix = config.getString("strip-prefix");
        if (!prefix.isEmpty() && (!prefix.startsWith("/") || (prefix.endsWith("/") && prefix.length() > 1))) {
            throw config.error("strip-prefix", "must start with / and not end with one, got '" + prefix + "'");
        }
        Duration deadline = config.has("deadline") ? ServiceSettings.nonNegative(config, "deadline") : service.deadline();
        Duration streamDeadline = config.has("stream-deadline") ? ServiceSettings.nonNegative(config, "stream-deadline")
                : service.streamDeadline();
        String openApiPath = config.getString("openapi-path");
        if (!openApiPath.isEmpty() && !openApiPath.matches("(/[A-Za-z0-9._~!$&'()+,;=@:-]+)+")) {
            throw config.error("openapi-path", "must be a path of one or more segments starting with / (no trailing /, query,"
                    + " wildcard or template), e.g. /openapi.json, got '" + openApiPath + "'");
        }
        return new RouteSettings(prefix.equals("/") ? "" : prefix, deadline, streamDeadline, openApiPath);
    }

    /** Whether a request path (with the prefix) asks for the OpenAPI document. */
    boolean isOpenApiPath(String path) {
        return !openApiPath.isEmpty() && path.equals(stripPrefix + openApiPath);
    }

    /** The path the bindings are matched against: the request's, without the prefix; null when it lacks the prefix. */
    String pathToMatch(String path) {
        if (stripPrefix.isEmpty()) {
            return path;
        }
        if (path.equals(stripPrefix)) {
            return "/";
        }
        if (path.startsWith(stripPrefix) && path.charAt(stripPrefix.length()) == '/') {
            return path.substring(stripPrefix.length());
        }
        return null;
    }
}
