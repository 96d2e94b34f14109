package dev.tollgate.plugin.authservice.internal;

import static java.util.Objects.requireNonNull;

/**
 * A setting that is well formed but cannot be used (a method the descriptor set does not have, a
 * field of the wrong type), found below the configuration layer; the factory reports it as the
 * configuration error of {@link #key()}.
 */
final class InvalidSetting extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;

    InvalidSetting(String key, String problem) {
        super(problem);
        this.key = requireNonNull(key, "key is null");
    }

    InvalidSetting(String key, String problem, Throwable cause) {
        super(problem, cause);
        this.key = requireNonNull(key, "key is null");
    }

    /** The key at fault, relative to the filter's block, e.g. {@code fields.user-id}. */
    String key() {
        return key;
    }
}
