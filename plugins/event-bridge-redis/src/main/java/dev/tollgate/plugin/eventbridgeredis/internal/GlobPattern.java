package dev.tollgate.plugin.eventbridgeredis.internal;

import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A channel pattern in Redis' glob syntax ({@code *}, {@code ?}, {@code [abc]}, {@code [^a]},
 * {@code \} escapes), matched locally the way {@code PSUBSCRIBE} matches on a Redis server.
 *
 * <p>The same rules as the runtime's in-memory bus ({@code dev.tollgate.runtime.event.GlobPattern}),
 * which a plugin cannot use: its class loader sees only the SPI. The bridge needs them for the
 * channels of its history rules and to deliver locally to pattern subscribers while Redis is
 * unreachable; Redis itself matches the subscriptions while it is there.
 */
public final class GlobPattern {
    private static final String SPECIAL = "*?[]\\";

    private final String glob;
    private final Pattern regex;

    private GlobPattern(String glob, Pattern regex) {
        this.glob = glob;
        this.regex = regex;
    }

    public static GlobPattern compile(String glob) {
        requireNonNull(glob, "glob is null");
        StringBuilder regex = new StringBuilder(glob.length() + 8);
        boolean inClass = false;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '\\' && i + 1 < glob.length()) {
                regex.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            }
            else if (inClass) {
                if (c == ']') {
                    inClass = false;
                    regex.append(']');
                }
                else if (c == '\\' || c == '[') {
                    regex.append('\\').append(c);
                }
                else {
                    regex.append(c);
                }
            }
            else if (c == '*') {
                regex.append(".*");
            }
            else if (c == '?') {
                regex.append('.');
            }
            else if (c == '[' && glob.indexOf(']', i + 1) > i + 1) {
                inClass = true;
                regex.append('[');
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '^') {
                    regex.append('^');
                    i++;
                }
            }
            else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new GlobPattern(glob, Pattern.compile(regex.toString(), Pattern.DOTALL));
    }

    /** {@code literal} with every glob character escaped, so that it matches only itself. */
    public static String escape(String literal) {
        StringBuilder escaped = new StringBuilder(literal.length() + 4);
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (SPECIAL.indexOf(c) >= 0) {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    public boolean matches(String channel) {
        return regex.matcher(channel).matches();
    }

    public String glob() {
        return glob;
    }

    @Override
    public String toString() {
        return glob;
    }
}
