package dev.tollgate.plugin.websockethub.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@link VarHandle}s for the per-connection classes' compare-and-set fields: a volatile field and
 * a static handle cost nothing per connection, where an {@code Atomic*} object costs 16–24 bytes
 * each (tens of thousands of connections hold several).
 */
final class FieldHandles {
    private FieldHandles() {
    }

    /** The handle of field {@code name} of type {@code type} in the class {@code lookup} is for. */
    static VarHandle field(MethodHandles.Lookup lookup, String name, Class<?> type) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, type);
        }
        catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
