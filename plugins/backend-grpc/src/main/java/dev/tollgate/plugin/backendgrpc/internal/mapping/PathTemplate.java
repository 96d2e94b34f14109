package dev.tollgate.plugin.backendgrpc.internal.mapping;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A {@code google.api.http} path template: {@code /v1/{name=projects/*}/files/{file=**}:verb}.
 * Segments are literals, {@code *} (one segment), {@code **} (the rest, possibly none) and
 * variables {@code {field.path}} (one segment) or {@code {field.path=segments}}; an optional
 * {@code :verb} follows the last segment.
 *
 * <p>Immutable and thread-safe.
 */
public final class PathTemplate {
    private final String text;
    private final List<Segment> segments;
    private final List<Variable> variables;
    private final String verb;

    private PathTemplate(String text, List<Segment> segments, List<Variable> variables, String verb) {
        this.text = text;
        this.segments = List.copyOf(segments);
        this.variables = List.copyOf(variables);
        this.verb = verb;
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException naming the template and what is wrong with it
     */
    public static PathTemplate parse(String text) {
        requireNonNull(text, "text is null");
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("path template '" + text + "' does not start with /");
        }
        String body = text.substring(1);
        String verb = null;
        int lastSlash = body.lastIndexOf('/');
        int lastBrace = body.lastIndexOf('}');
        int colon = body.lastIndexOf(':');
        if (colon > lastSlash && colon > lastBrace) {
            verb = body.substring(colon + 1);
            body = body.substring(0, colon);
            if (verb.isEmpty()) {
                throw new IllegalArgumentException("path template '" + text + "' has an empty verb");
            }
        }
        List<Segment> segments = new ArrayList<>();
        List<Variable> variables = new ArrayList<>();
        int i = 0;
        while (i <= body.length()) {
            if (i < body.length() && body.charAt(i) == '{') {
                int close = body.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("path template '" + text + "' has an unclosed {");
                }
                String inside = body.substring(i + 1, close);
                int equals = inside.indexOf('=');
                String field = equals < 0 ? inside : inside.substring(0, equals);
                if (!field.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                    throw new IllegalArgumentException("path template '" + text + "' has an invalid field path '" + field + "'");
                }
                int first = segments.size();
                if (equals < 0) {
                    segments.add(Segment.WILDCARD);
                }
                else {
                    for (String part : inside.substring(equals + 1).split("/", -1)) {
                        segments.add(segment(text, part));
                    }
                }
                variables.add(new Variable(field, first, segments.size()));
                i = close + 1;
                if (i < body.length() && body.charAt(i) != '/') {
                    throw new IllegalArgumentException("path template '" + text + "': a variable must be a whole segment");
                }
                i++;
            }
            else {
                int slash = body.indexOf('/', i);
                int end = slash < 0 ? body.length() : slash;
                segments.add(segment(text, body.substring(i, end)));
                i = end + 1;
            }
        }
        for (int s = 0; s < segments.size() - 1; s++) {
            if (segments.get(s).kind() == Segment.Kind.REST) {
                throw new IllegalArgumentException("path template '" + text + "': ** must be the last segment");
            }
        }
        return new PathTemplate(text, segments, variables, verb);
    }

    private static Segment segment(String template, String part) {
        if (part.isEmpty()) {
            throw new IllegalArgumentException("path template '" + template + "' has an empty segment");
        }
        if (part.equals("*")) {
            return Segment.WILDCARD;
        }
        if (part.equals("**")) {
            return Segment.REST;
        }
        if (part.contains("{") || part.contains("}") || part.contains("*")) {
            throw new IllegalArgumentException("path template '" + template + "' has an invalid segment '" + part + "'");
        }
        return new Segment(Segment.Kind.LITERAL, part);
    }

    /**
     * Matches an encoded path ({@code /v1/projects/p%201}); the values of the variables, decoded,
     * by field path, or {@code null} when the path does not match. A multi-segment variable's
     * value keeps its slashes.
     */
    public Map<String, String> match(String path) {
        if (!path.startsWith("/")) {
            return null;
        }
        String body = path.substring(1);
        if (verb != null) {
            String suffix = ":" + verb;
            if (!body.endsWith(suffix)) {
                return null;
            }
            body = body.substring(0, body.length() - suffix.length());
        }
        else if (body.lastIndexOf(':') > body.lastIndexOf('/')) {
            // A custom verb is not a literal of a template without one.
            String last = body.substring(body.lastIndexOf('/') + 1);
            if (!matchesLiteralOrVariable(last)) {
                return null;
            }
        }
        String[] parts = body.split("/", -1);
        int[] ends = new int[segments.size()];
        int position = 0;
        for (int s = 0; s < segments.size(); s++) {
            Segment segment = segments.get(s);
            switch (segment.kind()) {
                case LITERAL -> {
                    if (position >= parts.length || !decode(parts[position]).equals(segment.literal())) {
                        return null;
                    }
                    position++;
                }
                case WILDCARD -> {
                    if (position >= parts.length || parts[position].isEmpty()) {
                        return null;
                    }
                    position++;
                }
                case REST -> position = parts.length;
            }
            ends[s] = position;
        }
        if (position != parts.length) {
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Variable variable : variables) {
            int from = variable.from() == 0 ? 0 : ends[variable.from() - 1];
            int to = ends[variable.to() - 1];
            List<String> decoded = new ArrayList<>();
            for (int p = from; p < to; p++) {
                decoded.add(decode(parts[p]));
            }
            values.put(variable.field(), String.join("/", decoded));
        }
        return values;
    }

    private boolean matchesLiteralOrVariable(String last) {
        if (segments.isEmpty()) {
            return false;
        }
        Segment segment = segments.get(segments.size() - 1);
        return segment.kind() != Segment.Kind.LITERAL || decode(last).equals(segment.literal());
    }

    private static String decode(String segment) {
        return segment.indexOf('%') < 0 && segment.indexOf('+') < 0 ? segment
                : URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The field paths of the variables, in order. */
    public List<String> variableFields() {
        return variables.stream().map(Variable::field).toList();
    }

    /**
     * How specific the template is, for trying the most specific bindings first: literal segments
     * count most, then a verb, then single wildcards; {@code **} counts least.
     */
    public int specificity() {
        int score = verb == null ? 0 : 500;
        for (Segment segment : segments) {
            score += switch (segment.kind()) {
                case LITERAL -> 1000;
                case WILDCARD -> 10;
                case REST -> 0;
            };
        }
        return score;
    }

    @Override
    public String toString() {
        return text;
    }

    private record Segment(Kind kind, String literal) {
        static final Segment WILDCARD = new Segment(Kind.WILDCARD, null);
        static final Segment REST = new Segment(Kind.REST, null);

        enum Kind { LITERAL, WILDCARD, REST }
    }

    /** A variable over segments [from, to). */
    private record Variable(String field, int from, int to) {
    }
}
