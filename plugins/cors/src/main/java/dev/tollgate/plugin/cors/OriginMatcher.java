package dev.tollgate.plugin.cors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static java.util.Objects.requireNonNull;

/**
 * Decides whether a request's {@code Origin} is on an instance's allow-list. Entries, as written in
 * {@code allowed-origins}:
 * <ul>
 *   <li>{@code https://app.example}, {@code http://localhost:3000}: one origin, compared without
 *       regard to the case of scheme and host, a default port written or not;</li>
 *   <li>{@code *.example.com}: any subdomain of {@code example.com}, at any depth, over
 *       {@code http} or {@code https} on their default ports — not {@code example.com} itself,
 *       not {@code evil-example.com}. A scheme ({@code https://*.example.com}) restricts it to
 *       that scheme, a port ({@code *.example.com:8443}) to that port;</li>
 *   <li>{@code regex:<pattern>}: origins the Java pattern matches whole, tried on the origin in
 *       its browser form (lower case, default port left out);</li>
 *   <li>{@code *}: any origin, alone in the list.</li>
 * </ul>
 * The opaque origin {@code null} (sandboxed frames, {@code file:} pages) matches only {@code *}.
 *
 * <p>Immutable and thread-safe. {@link #allows} does not allocate for an origin that is listed
 * exactly as a browser sends it; other origins cost a parse.
 */
final class OriginMatcher {
    private static final String REGEX_PREFIX = "regex:";

    private final boolean anyOrigin;
    private final Set<String> exact;
    private final SubdomainPattern[] subdomains;
    private final Pattern[] regexes;

    private OriginMatcher(boolean anyOrigin, Set<String> exact, List<SubdomainPattern> subdomains, List<Pattern> regexes) {
        this.anyOrigin = anyOrigin;
        this.exact = Set.copyOf(exact);
        this.subdomains = subdomains.toArray(SubdomainPattern[]::new);
        this.regexes = regexes.toArray(Pattern[]::new);
    }

    /**
     * Reads the entries of {@code allowed-origins}.
     *
     * @throws IllegalArgumentException naming the first entry that is not acceptable and why
     */
    static OriginMatcher of(List<String> entries) {
        requireNonNull(entries, "entries is null");
        boolean anyOrigin = false;
        Set<String> exact = new HashSet<>();
        List<SubdomainPattern> subdomains = new ArrayList<>();
        List<Pattern> regexes = new ArrayList<>();
        for (String entry : entries) {
            if (entry.equals("*")) {
                anyOrigin = true;
            }
            else if (entry.startsWith(REGEX_PREFIX)) {
                regexes.add(regex(entry));
            }
            else if (entry.contains("*")) {
                subdomains.add(SubdomainPattern.parse(entry));
            }
            else {
                exact.add(exactOrigin(entry).serialize());
            }
        }
        if (anyOrigin && entries.size() > 1) {
            throw new IllegalArgumentException("'*' allows every origin and must be alone in the list");
        }
        return new OriginMatcher(anyOrigin, exact, subdomains, regexes);
    }

    /** Whether the list is {@code ["*"]}. */
    boolean allowsAnyOrigin() {
        return anyOrigin;
    }

    /** Whether {@code origin}, the value of a request's {@code Origin} header, is allowed. */
    boolean allows(String origin) {
        if (anyOrigin || exact.contains(origin)) {
            return true;
        }
        Origin parsed = Origin.parse(origin);
        if (parsed == null) {
            return false;
        }
        for (SubdomainPattern pattern : subdomains) {
            if (pattern.matches(parsed)) {
                return true;
            }
        }
        if (exact.isEmpty() && regexes.length == 0) {
            return false;
        }
        String serialized = parsed.serialize();
        if (exact.contains(serialized)) {
            return true;
        }
        for (Pattern regex : regexes) {
            if (regex.matcher(serialized).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Origin exactOrigin(String entry) {
        Origin origin = Origin.parse(entry);
        if (origin != null) {
            return origin;
        }
        int separator = entry.indexOf("://");
        if (separator > 0 && entry.indexOf('/', separator + 3) > 0) {
            throw new IllegalArgumentException("'" + entry + "' is not an origin: an origin has no path, not even a trailing '/'"
                    + " (write scheme://host[:port])");
        }
        if (entry.equals("null")) {
            throw new IllegalArgumentException("the opaque origin 'null' cannot be allowed on its own (sandboxed frames and file:"
                    + " pages share it); only '*' covers it");
        }
        throw new IllegalArgumentException("'" + entry + "' is not an origin: write scheme://host[:port], *.domain or regex:<pattern>");
    }

    private static Pattern regex(String entry) {
        String expression = entry.substring(REGEX_PREFIX.length());
        if (expression.isEmpty()) {
            throw new IllegalArgumentException("'" + entry + "' has an empty pattern");
        }
        try {
            return Pattern.compile(expression);
        }
        catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("'" + entry + "' is not a valid regular expression: " + e.getDescription()
                    + " near index " + e.getIndex());
        }
    }

    /**
     * {@code [scheme://]*.domain[:port]}.
     *
     * @param scheme the only scheme matched, or {@code null} for {@code http} and {@code https}
     * @param suffix {@code .domain}, lower case
     * @param port the only port matched, or {@link Origin#DEFAULT_PORT} for the scheme's default
     */
    private record SubdomainPattern(String scheme, String suffix, int port) {

        static SubdomainPattern parse(String entry) {
            int separator = entry.indexOf("://");
            String scheme = separator < 0 ? null : entry.substring(0, separator);
            String rest = separator < 0 ? entry : entry.substring(separator + 3);
            if (!rest.startsWith("*.") || rest.indexOf('*', 1) >= 0) {
                throw new IllegalArgumentException("'" + entry + "' is not a subdomain pattern: '*' may only stand for the leading"
                        + " labels, as in *.example.com or https://*.example.com; use regex:<pattern> for anything else");
            }
            // Parsed as an origin with a stand-in label for '*', to share the checks of host and port.
            // Without a scheme, one that has no default port keeps any port as written.
            Origin sample = Origin.parse((scheme == null ? "any" : scheme) + "://x" + rest.substring(1));
            if (sample == null) {
                throw new IllegalArgumentException("'" + entry + "' is not a subdomain pattern: write [scheme://]*.domain[:port]");
            }
            return new SubdomainPattern(scheme == null ? null : sample.scheme(), sample.host().substring(1), sample.port());
        }

        boolean matches(Origin origin) {
            String host = origin.host();
            if (host.length() <= suffix.length() || !host.endsWith(suffix)) {
                return false;
            }
            if (scheme != null) {
                return scheme.equals(origin.scheme()) && port == origin.port();
            }
            if (!origin.scheme().equals("https") && !origin.scheme().equals("http")) {
                return false;
            }
            return port == Origin.DEFAULT_PORT ? origin.port() == Origin.DEFAULT_PORT : effectivePort(origin) == port;
        }

        private static int effectivePort(Origin origin) {
            return origin.port() == Origin.DEFAULT_PORT ? Origin.defaultPort(origin.scheme()) : origin.port();
        }
    }
}
