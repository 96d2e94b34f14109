package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.http.Exchange;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static java.util.Objects.requireNonNull;

/**
 * How a route changes the path it forwards: the runtime's canonical, percent-encoded path goes
 * in, the path sent to the instance comes out (always absolute). Built once per route from its
 * options; {@link #apply} runs on every exchange and must be cheap.
 */
sealed interface PathRewrite permits PathRewrite.Unchanged, PathRewrite.StripPrefix, PathRewrite.Regex, PathRewrite.Template {

    /** The path to forward for this exchange. */
    String apply(String path, Exchange exchange);

    /** Reads {@code strip-prefix}, {@code rewrite} and {@code path}, at most one of which may be set. */
    static PathRewrite from(PluginConfig route) {
        String prefix = route.getString("strip-prefix");
        String regex = route.getString("rewrite.regex");
        String replacement = route.getString("rewrite.replacement");
        String template = route.getString("path");
        int set = (prefix.isEmpty() ? 0 : 1) + (regex.isEmpty() ? 0 : 1) + (template.isEmpty() ? 0 : 1);
        if (set > 1) {
            throw route.error(template.isEmpty() ? "rewrite" : "path", "set only one of strip-prefix, rewrite and path");
        }
        if (!prefix.isEmpty()) {
            return StripPrefix.from(route, prefix);
        }
        if (!regex.isEmpty()) {
            return Regex.from(route, regex, replacement);
        }
        if (!replacement.isEmpty()) {
            throw route.error("rewrite.regex", "missing: a replacement needs a regex");
        }
        if (!template.isEmpty()) {
            return Template.from(route, template);
        }
        return Unchanged.INSTANCE;
    }

    /** The path as the runtime gives it. */
    enum Unchanged implements PathRewrite {
        INSTANCE;

        @Override
        public String apply(String path, Exchange exchange) {
            return path;
        }
    }

    /** Removes a prefix of whole segments: {@code /api} turns {@code /api/users} into {@code /users}. */
    record StripPrefix(String prefix) implements PathRewrite {
        public StripPrefix {
            requireNonNull(prefix, "prefix is null");
        }

        static StripPrefix from(PluginConfig route, String prefix) {
            if (!prefix.startsWith("/")) {
                throw route.error("strip-prefix", "must start with /, got '" + prefix + "'");
            }
            String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (trimmed.isEmpty()) {
                throw route.error("strip-prefix", "'/' removes nothing; leave it empty");
            }
            return new StripPrefix(trimmed);
        }

        @Override
        public String apply(String path, Exchange exchange) {
            if (!path.startsWith(prefix)) {
                return path;
            }
            if (path.length() == prefix.length()) {
                return "/";
            }
            return path.charAt(prefix.length()) == '/' ? path.substring(prefix.length()) : path;
        }
    }

    /** Replaces the first match of a regular expression; a result without a leading / gets one. */
    record Regex(Pattern pattern, String replacement) implements PathRewrite {
        public Regex {
            requireNonNull(pattern, "pattern is null");
            requireNonNull(replacement, "replacement is null");
        }

        static Regex from(PluginConfig route, String regex, String replacement) {
            Pattern pattern;
            try {
                pattern = Pattern.compile(regex);
            }
            catch (PatternSyntaxException e) {
                throw route.error("rewrite.regex", "not a valid regular expression: " + e.getDescription());
            }
            String problem = replacementProblem(pattern, replacement);
            if (problem != null) {
                throw route.error("rewrite.replacement", problem);
            }
            return new Regex(pattern, replacement);
        }

        /** What is wrong with a replacement for this pattern ($n beyond its groups, unknown ${name}…), or null. */
        static String replacementProblem(Pattern pattern, String replacement) {
            int groups = pattern.matcher("").groupCount();
            for (int i = 0; i < replacement.length(); i++) {
                char c = replacement.charAt(i);
                if (c == '\\') {
                    if (++i == replacement.length()) {
                        return "ends with an unescaped \\";
                    }
                }
                else if (c == '$') {
                    if (++i == replacement.length()) {
                        return "ends with a lone $ (write \\$ for a dollar sign)";
                    }
                    char next = replacement.charAt(i);
                    if (next >= '0' && next <= '9') {
                        if (next - '0' > groups) {
                            return "$" + next + " refers to a group the regex does not have (it has " + groups + ")";
                        }
                    }
                    else if (next == '{') {
                        int close = replacement.indexOf('}', i);
                        String name = close < 0 ? "" : replacement.substring(i + 1, close);
                        if (name.isEmpty() || !pattern.pattern().contains("(?<" + name + ">")) {
                            return "${" + name + "} is not a named group of the regex";
                        }
                        i = close;
                    }
                    else {
                        return "$ must be followed by a group number or {name} (write \\$ for a dollar sign)";
                    }
                }
            }
            return null;
        }

        @Override
        public String apply(String path, Exchange exchange) {
            Matcher matcher = pattern.matcher(path);
            if (!matcher.find()) {
                return path;
            }
            String result = matcher.replaceFirst(replacement);
            return result.startsWith("/") ? result : "/" + result;
        }
    }

    /**
     * A whole path filled from the route's path parameters: {@code /v2/users/{id}}, or
     * {@code {**}} for what the route's final {@code **} captured. Values are percent-encoded
     * again as path segments ({@code **} keeps its slashes).
     *
     * @param parts literal text and parameter names, alternating, starting with text
     */
    record Template(List<String> parts) implements PathRewrite {
        private static final Pattern NAME = Pattern.compile("\\*\\*|[A-Za-z0-9_.-]+");

        public Template {
            parts = List.copyOf(parts);
        }

        static Template from(PluginConfig route, String template) {
            if (!template.startsWith("/")) {
                throw route.error("path", "must start with /, got '" + template + "'");
            }
            List<String> parts = new ArrayList<>();
            int position = 0;
            while (true) {
                int open = template.indexOf('{', position);
                int close = template.indexOf('}', position);
                if (open < 0) {
                    if (close >= 0) {
                        throw route.error("path", "'}' without '{' in '" + template + "'");
                    }
                    parts.add(template.substring(position));
                    return new Template(parts);
                }
                if (close < open) {
                    throw route.error("path", "'{' without '}' in '" + template + "'");
                }
                String name = template.substring(open + 1, close);
                if (!NAME.matcher(name).matches()) {
                    throw route.error("path", "'{" + name + "}' is not a parameter name (letters, digits, _ . -, or **)");
                }
                parts.add(template.substring(position, open));
                parts.add(name);
                position = close + 1;
            }
        }

        @Override
        public String apply(String path, Exchange exchange) {
            StringBuilder result = new StringBuilder(path.length() + 16);
            for (int i = 0; i < parts.size(); i++) {
                String part = parts.get(i);
                if (i % 2 == 0) {
                    result.append(part);
                    continue;
                }
                String value = exchange.pathParameter(part);
                if (value == null) {
                    throw new GatewayException(ErrorCode.INTERNAL_ERROR, "the route's path template uses {" + part
                            + "}, which the route's path does not capture");
                }
                encodeSegment(value, part.equals("**"), result);
            }
            return result.toString();
        }

        /** Percent-encodes a decoded value as path segment characters (RFC 3986 pchar). */
        static void encodeSegment(String value, boolean keepSlashes, StringBuilder out) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < 0x80 && (isSegmentCharacter(c) || keepSlashes && c == '/')) {
                    out.append(c);
                    continue;
                }
                int end = i + 1;
                if (Character.isHighSurrogate(c) && end < value.length() && Character.isLowSurrogate(value.charAt(end))) {
                    end++;
                }
                for (byte b : value.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
                }
                i = end - 1;
            }
        }

        private static boolean isSegmentCharacter(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "-._~!$&'()*+,=:@".indexOf(c) >= 0;
        }
    }
}
