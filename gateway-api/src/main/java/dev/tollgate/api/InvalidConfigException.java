package dev.tollgate.api;

import static java.util.Objects.requireNonNull;

/**
 * A configuration mistake: a missing or ill-typed value, an unknown key, a value out of range.
 *
 * <p>Thrown at start-up (by the runtime, or by a factory's {@code create} through
 * {@link PluginConfig}); it stops the gateway with a message naming the full path of the key
 * and, where known, the file and line it was written at.
 */
public final class InvalidConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final String origin;

    /**
     * @param path the full path of the offending key, e.g. {@code gateway.routes[2].filters[0].issuer}
     * @param origin where it was written, e.g. {@code conf/gateway.conf: 42}; empty when unknown
     * @param problem what is wrong, e.g. {@code must be a duration}
     */
    public InvalidConfigException(String path, String origin, String problem) {
        super(format(path, origin, problem));
        this.path = requireNonNull(path, "path is null");
        this.origin = requireNonNull(origin, "origin is null");
    }

    /** The full path of the offending key. */
    public String path() {
        return path;
    }

    /** The file and line the offending value was read from, or an empty string. */
    public String origin() {
        return origin;
    }

    private static String format(String path, String origin, String problem) {
        requireNonNull(problem, "problem is null");
        return origin == null || origin.isEmpty()
                ? path + ": " + problem
                : origin + ": " + path + ": " + problem;
    }
}
