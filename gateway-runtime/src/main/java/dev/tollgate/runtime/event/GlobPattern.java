package dev.tollgate.runtime.event;

import java.util.regex.Pattern;

/**
 * A channel pattern in Redis' glob syntax ({@code *}, {@code ?}, {@code [abc]}, {@code [^a]},
 * {@code \} escapes), matched locally the way {@code PSUBSCRIBE} matches on a Redis server.
 */
public final class GlobPattern {
    private final String glob;
    private final Pattern regex;

    private GlobPattern(String glob, Pattern regex) {
        this.glob = glob;
        this.regex = regex;
    }

    public static GlobPattern compile(String glob) {
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
