package dev.tollgate.plugin.websockethub.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A channel a route subscribes its connections to, e.g. {@code simulation:{id}}: {@code {name}}
 * takes the route's path parameter of that name, {@code {user}} the connection's user.
 *
 * <p>Immutable and thread-safe.
 */
final class ChannelTemplate {
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final String USER = "user";

    private final String text;
    private final List<Part> parts;

    private ChannelTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException for an empty template, an unclosed or empty {@code {}}, or
     *         a parameter name other than letters, digits, {@code _} and {@code -}
     */
    static ChannelTemplate parse(String text) {
        requireNonNull(text, "text is null");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        List<Part> parts = new ArrayList<>();
        int position = 0;
        while (position < text.length()) {
            int open = text.indexOf('{', position);
            if (open < 0) {
                parts.add(literal(text, text.substring(position)));
                break;
            }
            if (open > position) {
                parts.add(literal(text, text.substring(position, open)));
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' in " + text);
            }
            String name = text.substring(open + 1, close);
            if (!PARAMETER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'{" + name + "}' is not a parameter name in " + text);
            }
            parts.add(new Part(name, true));
            position = close + 1;
        }
        return new ChannelTemplate(text, parts);
    }

    private static Part literal(String template, String text) {
        if (text.indexOf('}') >= 0) {
            throw new IllegalArgumentException("unmatched '}' in " + template);
        }
        return new Part(text, false);
    }

    /**
     * The channel for one connection.
     *
     * @param pathParameters the route's captured path parameters
     * @param user the connection's user; null when anonymous
     * @throws MissingValueException when the route has no such path parameter, or {@code {user}}
     *         is used by an anonymous connection
     */
    String resolve(Map<String, String> pathParameters, String user) throws MissingValueException {
        StringBuilder channel = new StringBuilder(text.length() + 16);
        for (Part part : parts) {
            if (!part.parameter()) {
                channel.append(part.value());
            }
            else if (part.value().equals(USER)) {
                if (user == null) {
                    throw new MissingValueException("{user}");
                }
                channel.append(user);
            }
            else {
                String value = pathParameters.get(part.value());
                if (value == null) {
                    throw new MissingValueException("{" + part.value() + "}");
                }
                channel.append(value);
            }
        }
        return channel.toString();
    }

    @Override
    public String toString() {
        return text;
    }

    private record Part(String value, boolean parameter) {
    }

    /** A placeholder of the template has no value for this connection. */
    static final class MissingValueException extends Exception {
        private static final long serialVersionUID = 1L;

        MissingValueException(String placeholder) {
            super(placeholder);
        }

        /** The placeholder without a value, e.g. {@code {id}}. */
        String placeholder() {
            return getMessage();
        }
    }
}
