package dev.tollgate.api.event;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static java.util.Objects.requireNonNull;

/**
 * A channel pattern in Redis' glob syntax, the syntax of {@link EventBus#subscribePattern} and of
 * the buses' history rules ({@link HistoryRule}), matched locally the way {@code PSUBSCRIBE}
 * matches on a Redis server:
 * <ul>
 *   <li>{@code *} matches any run of characters, also none; {@code ?} exactly one;</li>
 *   <li>{@code [abc]} one of a set, {@code [a-z]} one of a range, {@code [^abc]} one not in the
 *       set; a {@code [} with no {@code ]} after it (or directly followed by one) stands for
 *       itself;</li>
 *   <li>{@code \} makes the next character stand for itself ({@link #escape}); a {@code \} at
 *       the end stands for itself.</li>
 * </ul>
 * Every other character stands for itself; a pattern matches a channel only as a whole.
 *
 * <p>Buses use it so that a pattern means the same to each of them: the runtime's in-memory bus
 * matches with it, and a bridge matches with it where its broker does not (the channels of its
 * history rules, local delivery while the broker is unreachable).
 *
 * <p>Immutable and thread-safe. Two globs are equal when their texts are.
 *
 * @since 1.2
 */
public final class ChannelGlob {
    private static final String SPECIAL = "*?[]\\";

    private final String glob;
    private final Pattern regex;

    private ChannelGlob(String glob, Pattern regex) {
        this.glob = glob;
        this.regex = regex;
    }

    /**
     * Compiles a glob.
     *
     * @throws IllegalArgumentException when a set cannot be matched: a reversed range
     *         ({@code [z-a]}) or an empty negated set ({@code [^]})
     */
    public static ChannelGlob compile(String glob) {
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
        try {
            return new ChannelGlob(glob, Pattern.compile(regex.toString(), Pattern.DOTALL));
        }
        catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("'" + glob + "' has a set that cannot match (a reversed range such as [z-a], or [^])", e);
        }
    }

    /**
     * {@code literal} with every glob character escaped, so that, as a glob or the start of one,
     * it matches only itself: {@code escape("app[1]:") + "*"} matches the channels starting with
     * {@code app[1]:}.
     */
    public static String escape(String literal) {
        requireNonNull(literal, "literal is null");
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

    /** Whether the whole of {@code channel} matches. */
    public boolean matches(String channel) {
        return regex.matcher(channel).matches();
    }

    /** The glob as written. */
    public String glob() {
        return glob;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ChannelGlob that && glob.equals(that.glob);
    }

    @Override
    public int hashCode() {
        return glob.hashCode();
    }

    /** The glob as written. */
    @Override
    public String toString() {
        return glob;
    }
}
