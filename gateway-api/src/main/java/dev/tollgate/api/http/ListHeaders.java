package dev.tollgate.api.http;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/** The plain implementation behind {@link Headers#create()}: parallel lists, linear lookup. */
final class ListHeaders implements Headers {
    private final List<String> names = new ArrayList<>(8);
    private final List<String> values = new ArrayList<>(8);

    @Override
    public String get(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return values.get(i);
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        List<String> result = new ArrayList<>(1);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                result.add(values.get(i));
            }
        }
        return List.copyOf(result);
    }

    @Override
    public boolean contains(String name) {
        return get(name) != null;
    }

    @Override
    public boolean containsToken(String name, String token) {
        String lowerToken = token.toLowerCase(Locale.ROOT);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                for (String part : values.get(i).split(",")) {
                    if (part.trim().toLowerCase(Locale.ROOT).equals(lowerToken)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Override
    public Set<String> names() {
        Set<String> result = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String name : names) {
            if (seen.add(name.toLowerCase(Locale.ROOT))) {
                result.add(name);
            }
        }
        return Set.copyOf(result);
    }

    @Override
    public int size() {
        return names.size();
    }

    @Override
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < names.size(); i++) {
            action.accept(names.get(i), values.get(i));
        }
    }

    @Override
    public Headers set(String name, String value) {
        remove(name);
        return add(name, value);
    }

    @Override
    public Headers add(String name, String value) {
        names.add(requireNonNull(name, "name is null"));
        values.add(requireNonNull(value, "value is null"));
        return this;
    }

    @Override
    public Headers remove(String name) {
        for (int i = names.size() - 1; i >= 0; i--) {
            if (names.get(i).equalsIgnoreCase(name)) {
                names.remove(i);
                values.remove(i);
            }
        }
        return this;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("{");
        forEach((name, value) -> text.append(text.length() > 1 ? ", " : "").append(name).append(": ").append(value));
        return text.append('}').toString();
    }
}
