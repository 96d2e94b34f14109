package dev.tollgate.plugin.websockethub.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A pattern over channel names, as written in the hub's configuration: {@code *} matches any run
 * of characters (also none), {@code ?} one character, {@code \} escapes the next character, and
 * {@code {user}} — where allowed — stands for the connection's user.
 *
 * <p>Matching is in two steps so that a rule about {@code user:{user}} can claim every
 * {@code user:…} channel and still admit only the owner: {@link #matchesAnyUser} treats
 * {@code {user}} as one or more characters; {@link #matchesUser} requires every {@code {user}}
 * to be exactly the given name.
 *
 * <p>This is not the bus's glob ({@link dev.tollgate.api.event.ChannelGlob}) and is not built
 * on it: the hub's patterns have no character sets ({@code [} and {@code ]} stand for
 * themselves, so {@code room[1]} in a permission rule means that channel only), refuse what
 * they cannot mean (empty, a dangling escape, an unknown placeholder) instead of reading it
 * literally, and capture {@code {user}}, which a glob cannot. They are configuration of who may
 * do what, not subscriptions to the bus; reading them as globs would change which channels
 * existing permission and policy rules cover.
 *
 * <p>Immutable and thread-safe.
 */
final class ChannelPattern {
    static final String USER_PLACEHOLDER = "{user}";

    private final String text;
    private final Pattern regex;
    private final int userGroups;

    private ChannelPattern(String text, Pattern regex, int userGroups) {
        this.text = text;
        this.regex = regex;
        this.userGroups = userGroups;
    }

    /**
     * Compiles a pattern.
     *
     * @param allowUser whether {@code {user}} may appear
     * @throws IllegalArgumentException naming the problem (empty, a dangling escape, a placeholder
     *         other than {@code {user}}, or {@code {user}} where it is not allowed)
     */
    static ChannelPattern compile(String text, boolean allowUser) {
        requireNonNull(text, "text is null");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        StringBuilder regex = new StringBuilder(text.length() + 16);
        int userGroups = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                if (i + 1 == text.length()) {
                    throw new IllegalArgumentException("ends with an escape character: " + text);
                }
                regex.append(Pattern.quote(String.valueOf(text.charAt(++i))));
            }
            else if (c == '*') {
                regex.append(".*");
            }
            else if (c == '?') {
                regex.append('.');
            }
            else if (c == '{') {
                if (!text.startsWith(USER_PLACEHOLDER, i)) {
                    throw new IllegalArgumentException("the only placeholder is {user} (write \\{ for a literal brace): " + text);
                }
                if (!allowUser) {
                    throw new IllegalArgumentException("{user} is not allowed here: " + text);
                }
                regex.append("(.+)");
                userGroups++;
                i += USER_PLACEHOLDER.length() - 1;
            }
            else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new ChannelPattern(text, Pattern.compile(regex.toString(), Pattern.DOTALL), userGroups);
    }

    /** Whether the channel has this pattern's shape, any value standing for {@code {user}}. */
    boolean matchesAnyUser(String channel) {
        return regex.matcher(channel).matches();
    }

    /**
     * Whether the channel matches with every {@code {user}} equal to {@code user}; a pattern with
     * {@code {user}} never matches for an anonymous connection ({@code user} null).
     */
    boolean matchesUser(String channel, String user) {
        Matcher matcher = regex.matcher(channel);
        if (!matcher.matches()) {
            return false;
        }
        if (userGroups == 0) {
            return true;
        }
        if (user == null) {
            return false;
        }
        for (int group = 1; group <= userGroups; group++) {
            if (!user.equals(matcher.group(group))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the pattern names the connection's user. */
    boolean hasUser() {
        return userGroups > 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
