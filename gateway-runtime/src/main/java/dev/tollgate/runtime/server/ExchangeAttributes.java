package dev.tollgate.runtime.server;

import dev.tollgate.api.http.Attribute;

import java.util.HashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The attributes of one exchange ({@link dev.tollgate.api.http.Exchange#attribute}): typed values
 * in a small map allocated with the first value. Not thread-safe, like the exchange.
 */
final class ExchangeAttributes {
    private Map<Attribute<?>, Object> values;

    /** The value under {@code key}, or null. */
    @SuppressWarnings("unchecked")
    <T> T get(Attribute<T> key) {
        return values == null ? null : (T) values.get(key);
    }

    /** Sets a value; null removes it. */
    <T> void set(Attribute<T> key, T value) {
        requireNonNull(key, "key is null");
        if (value == null) {
            if (values != null) {
                values.remove(key);
            }
            return;
        }
        if (!key.type().isInstance(value)) {
            throw new IllegalArgumentException(key + " cannot hold a " + value.getClass().getName());
        }
        if (values == null) {
            values = new HashMap<>(4);
        }
        values.put(key, value);
    }
}
