package dev.tollgate.runtime.server;

import dev.tollgate.api.http.Headers;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/**
 * {@link Headers} over Jetty's {@link HttpFields}, without copying: request headers are read
 * from Jetty's immutable fields until a filter changes one, and only then copied; response
 * headers are Jetty's own mutable fields.
 */
final class JettyHeaders implements Headers {
    private HttpFields fields;
    private HttpFields.Mutable mutable;

    private JettyHeaders(HttpFields fields, HttpFields.Mutable mutable) {
        this.fields = fields;
        this.mutable = mutable;
    }

    /** A view that copies {@code fields} on the first change. */
    static JettyHeaders copyOnWrite(HttpFields fields) {
        return new JettyHeaders(requireNonNull(fields, "fields is null"), null);
    }

    /** A view that changes {@code fields} in place. */
    static JettyHeaders of(HttpFields.Mutable fields) {
        return new JettyHeaders(requireNonNull(fields, "fields is null"), fields);
    }

    /** The current fields (the copy, once changed). */
    HttpFields fields() {
        return fields;
    }

    @Override
    public String get(String name) {
        return fields.get(name);
    }

    @Override
    public List<String> getAll(String name) {
        return List.copyOf(fields.getValuesList(name));
    }

    @Override
    public boolean contains(String name) {
        return fields.contains(name);
    }

    @Override
    public boolean containsToken(String name, String token) {
        return fields.contains(name, token);
    }

    @Override
    public Set<String> names() {
        return Set.copyOf(fields.getFieldNamesCollection());
    }

    @Override
    public int size() {
        return fields.size();
    }

    @Override
    public void forEach(BiConsumer<String, String> action) {
        HttpFields current = fields;
        if (current instanceof HttpFields.Mutable.Wrapper) {
            // A response's fields: Jetty's wrapper finds a field by index walking from the start.
            for (HttpField field : current) {
                action.accept(field.getName(), field.getValue());
            }
            return;
        }
        // Jetty's own fields (a request's, a built copy) are arrays: by index, no iterator.
        for (int i = 0, size = current.size(); i < size; i++) {
            HttpField field = current.getField(i);
            action.accept(field.getName(), field.getValue());
        }
    }

    @Override
    public Headers set(String name, String value) {
        writable().put(field(name, value));
        return this;
    }

    @Override
    public Headers add(String name, String value) {
        writable().add(field(name, value));
        return this;
    }

    @Override
    public Headers remove(String name) {
        if (fields.contains(name)) {
            writable().remove(name);
        }
        return this;
    }

    private static HttpField field(String name, String value) {
        requireNonNull(name, "name is null");
        requireNonNull(value, "value is null");
        return new HttpField(KnownHeaders.of(name), name, value);
    }

    private HttpFields.Mutable writable() {
        if (mutable == null) {
            mutable = HttpFields.build(fields);
            fields = mutable;
        }
        return mutable;
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
