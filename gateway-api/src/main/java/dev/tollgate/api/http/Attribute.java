package dev.tollgate.api.http;

import static java.util.Objects.requireNonNull;

/**
 * A typed key for values filters leave on an {@link Exchange} for later steps (a parsed token,
 * a rate-limit decision). Keys compare by identity: keep one in a {@code static final} field.
 *
 * @param <T> the value type
 */
public final class Attribute<T> {
    private final String name;
    private final Class<T> type;

    private Attribute(String name, Class<T> type) {
        this.name = requireNonNull(name, "name is null");
        this.type = requireNonNull(type, "type is null");
    }

    /** A new key; {@code name} is for diagnostics only. */
    public static <T> Attribute<T> of(String name, Class<T> type) {
        return new Attribute<>(name, type);
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return "Attribute[" + name + ": " + type.getSimpleName() + "]";
    }
}
