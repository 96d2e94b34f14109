package dev.tollgate.runtime.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A route's path template: literal segments, {@code {name}} capturing one segment, {@code *}
 * matching one segment, and a final {@code **} matching the rest (zero or more segments,
 * captured under {@code "**"}). Matching is on decoded, canonical segments and is exact:
 * {@code /a/b} does not match {@code /a/b/}.
 */
public final class PathTemplate {
    /** Most specific first: see {@link #compareSpecificity}. */
    public static final Comparator<PathTemplate> MOST_SPECIFIC_FIRST = PathTemplate::compareSpecificity;

    private static final Pattern PARAMETER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_-]*)}");
    private static final String REST = "**";

    private final String template;
    private final Segment[] segments;
    private final boolean endsWithRest;
    private final int literals;
    private final int captures;
    private final int wildcards;
    private final int literalLength;

    private PathTemplate(String template, Segment[] segments) {
        this.template = template;
        this.segments = segments;
        this.endsWithRest = segments.length > 0 && segments[segments.length - 1].kind == Kind.REST;
        int literalCount = 0;
        int captureCount = 0;
        int wildcardCount = 0;
        int length = 0;
        for (Segment segment : segments) {
            switch (segment.kind) {
                case LITERAL -> {
                    literalCount++;
                    length += segment.text.length();
                }
                case CAPTURE -> captureCount++;
                case WILDCARD -> wildcardCount++;
                case REST -> {
                }
            }
        }
        this.literals = literalCount;
        this.captures = captureCount;
        this.wildcards = wildcardCount;
        this.literalLength = length;
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static PathTemplate parse(String template) {
        requireNonNull(template, "template is null");
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("must start with /");
        }
        List<String> parts = split(template);
        Segment[] segments = new Segment[parts.size()];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            String part = parts.get(i);
            if (part.equals(REST)) {
                if (i != parts.size() - 1) {
                    throw new IllegalArgumentException("** may only be the last segment");
                }
                segments[i] = new Segment(Kind.REST, REST);
            }
            else if (part.equals("*")) {
                segments[i] = new Segment(Kind.WILDCARD, part);
            }
            else if (part.startsWith("{")) {
                var matcher = PARAMETER.matcher(part);
                if (!matcher.matches()) {
                    throw new IllegalArgumentException("'" + part + "' is not a parameter; write {name} as a whole segment");
                }
                if (names.contains(matcher.group(1))) {
                    throw new IllegalArgumentException("parameter {" + matcher.group(1) + "} appears twice");
                }
                names.add(matcher.group(1));
                segments[i] = new Segment(Kind.CAPTURE, matcher.group(1));
            }
            else if (part.contains("*") || part.contains("{") || part.contains("}")) {
                throw new IllegalArgumentException("'" + part + "': wildcards and parameters must be whole segments");
            }
            else if (part.isEmpty() && i != parts.size() - 1) {
                throw new IllegalArgumentException("empty segment (//)");
            }
            else {
                segments[i] = new Segment(Kind.LITERAL, part);
            }
        }
        return new PathTemplate(template, segments);
    }

    /**
     * Splits a decoded canonical path into segments: {@code "/"} has none, {@code "/a/"} has
     * {@code "a"} and an empty last one.
     */
    public static List<String> split(String path) {
        if (path.equals("/") || path.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(path.substring(1).split("/", -1));
    }

    /**
     * Matches decoded segments.
     *
     * @return the captured parameters (empty map for none), or {@code null} when it does not match
     */
    public Map<String, String> match(List<String> path) {
        int fixed = endsWithRest ? segments.length - 1 : segments.length;
        if (endsWithRest ? path.size() < fixed : path.size() != fixed) {
            return null;
        }
        for (int i = 0; i < fixed; i++) {
            Segment segment = segments[i];
            String actual = path.get(i);
            if (segment.kind == Kind.LITERAL) {
                if (!segment.text.equals(actual)) {
                    return null;
                }
            }
            else if (actual.isEmpty()) {
                return null;
            }
        }
        if (captures == 0 && !endsWithRest) {
            return Map.of();
        }
        Map<String, String> parameters = new HashMap<>(4);
        for (int i = 0; i < fixed; i++) {
            if (segments[i].kind == Kind.CAPTURE) {
                parameters.put(segments[i].text, path.get(i));
            }
        }
        if (endsWithRest) {
            parameters.put(REST, String.join("/", path.subList(fixed, path.size())));
        }
        return parameters;
    }

    /** The number of segments before a final {@code **} (all of them when there is none). */
    int fixedSegments() {
        return endsWithRest ? segments.length - 1 : segments.length;
    }

    /** Whether the last segment is {@code **}, matching the rest of the path. */
    boolean endsWithRest() {
        return endsWithRest;
    }

    /**
     * The text segment {@code index} must equal, or {@code null} when it is a {@code {name}} or
     * {@code *}, which both match any one non-empty segment.
     */
    String literalAt(int index) {
        Segment segment = segments[index];
        return segment.kind == Kind.LITERAL ? segment.text : null;
    }

    /** The literal prefix before the first non-literal segment, e.g. {@code /api/auth} of {@code /api/auth/**}. */
    public String literalPrefix() {
        StringBuilder prefix = new StringBuilder();
        for (Segment segment : segments) {
            if (segment.kind != Kind.LITERAL) {
                break;
            }
            prefix.append('/').append(segment.text);
        }
        return prefix.length() == 0 ? "/" : prefix.toString();
    }

    /**
     * Orders templates from most to least specific: a template without {@code **} before one with
     * it; then more literal segments first; then fewer {@code *}; then fewer captures; then longer
     * literal text. Routes that compare equal keep their configuration order.
     */
    public static int compareSpecificity(PathTemplate a, PathTemplate b) {
        int result = Boolean.compare(a.endsWithRest, b.endsWithRest);
        if (result == 0) {
            result = Integer.compare(b.literals, a.literals);
        }
        if (result == 0) {
            result = Integer.compare(a.wildcards, b.wildcards);
        }
        if (result == 0) {
            result = Integer.compare(a.captures, b.captures);
        }
        if (result == 0) {
            result = Integer.compare(b.literalLength, a.literalLength);
        }
        return result;
    }

    @Override
    public String toString() {
        return template;
    }

    private enum Kind { LITERAL, CAPTURE, WILDCARD, REST }

    private record Segment(Kind kind, String text) {
    }
}
