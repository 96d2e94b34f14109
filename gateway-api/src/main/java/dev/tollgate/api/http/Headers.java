package dev.tollgate.api.http;

import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * HTTP header fields: an ordered multimap with case-insensitive names.
 *
 * <p>Request headers are what the client sent, after the runtime's checks; filters may change
 * them before the backend reads them. Response headers are written by the backend or endpoint
 * and may be changed by filters until the response is committed, which happens after the
 * chain's stage completes.
 *
 * <p>Not thread-safe: an exchange is handled by one thread at a time. The runtime's
 * implementations avoid copying until a header is changed.
 */
public interface Headers {

    /** A new, empty, mutable instance (for trailers, or tests). */
    static Headers create() {
        return new ListHeaders();
    }

    /** The first value of the field, or {@code null} when absent. */
    String get(String name);

    /** All values of the field in order; empty when absent. */
    List<String> getAll(String name);

    boolean contains(String name);

    /**
     * Whether a field holds {@code token} as one of its comma-separated values, ignoring case,
     * e.g. {@code containsToken("Connection", "upgrade")}.
     */
    boolean containsToken(String name, String token);

    /** The distinct field names, as first written. */
    Set<String> names();

    /** The number of fields (a name with two values counts twice). */
    int size();

    default boolean isEmpty() {
        return size() == 0;
    }

    /** Calls {@code action} with each field in order; the cheapest way to copy headers. */
    void forEach(BiConsumer<String, String> action);

    /** Replaces every value of the field with {@code value}. */
    Headers set(String name, String value);

    /** Adds a value, keeping existing ones. */
    Headers add(String name, String value);

    /** Removes every value of the field. */
    Headers remove(String name);
}
