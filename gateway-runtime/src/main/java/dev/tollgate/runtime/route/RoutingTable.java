package dev.tollgate.runtime.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * The immutable table of routes, most specific first. Built once from configuration and
 * replaced as a whole (an atomic reference swap) on reload, so lookups take no lock.
 *
 * <p>A lookup answers the first route in that order whose path, host, headers and method all
 * match. When some route matched everything but the method, the answer is "method not allowed"
 * with the methods that would have matched. It does not walk the routes: a trie of path segments
 * with hosts and methods indexed ({@link RouteTrie}) finds the same route in time that depends
 * on the path, not on how many routes there are.
 *
 * @param <T> what a route leads to
 */
public final class RoutingTable<T> {
    private final List<Entry<T>> entries;
    private final RouteTrie<T> trie;

    private RoutingTable(List<Entry<T>> entries) {
        this.entries = entries;
        this.trie = new RouteTrie<>(entries);
    }

    /** A table of the given routes, ordered by specificity, configuration order breaking ties. */
    public static <T> RoutingTable<T> of(List<Entry<T>> routes) {
        List<Entry<T>> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparing(Entry<T>::template, PathTemplate.MOST_SPECIFIC_FIRST));
        return new RoutingTable<>(List.copyOf(sorted));
    }

    /** The routes in matching order. */
    public List<Entry<T>> entries() {
        return entries;
    }

    /**
     * Finds the route for a request.
     *
     * @param method upper case
     * @param host lower case, without port
     * @param segments the decoded canonical path's segments
     * @param header request header lookup (first value or null)
     */
    public Result<T> match(String method, String host, List<String> segments, Function<String, String> header) {
        int rank = trie.find(method, host, segments, header);
        if (rank >= 0) {
            Entry<T> entry = entries.get(rank);
            return new Found<>(entry, entry.template.match(segments));
        }
        Set<String> allowed = new HashSet<>();
        trie.collectMethods(host, segments, header, allowed);
        return allowed.isEmpty() ? new NotFound<>() : new MethodNotAllowed<>(Set.copyOf(allowed));
    }

    /** The outcome of a lookup. */
    public sealed interface Result<T> permits Found, NotFound, MethodNotAllowed {
    }

    public record Found<T>(Entry<T> entry, Map<String, String> parameters) implements Result<T> {
    }

    public record NotFound<T>() implements Result<T> {
    }

    public record MethodNotAllowed<T>(Set<String> allowed) implements Result<T> {
    }

    /**
     * One route.
     *
     * @param methods upper case; empty for any
     * @param hosts exact lower-case names or {@code *.suffix}; empty for any
     * @param headers name → exact value, or {@code *} for presence
     */
    public record Entry<T>(String id, PathTemplate template, Set<String> methods, List<String> hosts,
                           Map<String, String> headers, T target) {
        public Entry {
            requireNonNull(id, "id is null");
            requireNonNull(template, "template is null");
            methods = Set.copyOf(methods);
            hosts = hosts.stream().map(host -> host.toLowerCase(Locale.ROOT)).toList();
            headers = Map.copyOf(headers);
            requireNonNull(target, "target is null");
        }

        boolean matchesHost(String host) {
            if (hosts.isEmpty()) {
                return true;
            }
            for (String pattern : hosts) {
                if (pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : pattern.equals(host)) {
                    return true;
                }
            }
            return false;
        }

        boolean matchesHeaders(Function<String, String> header) {
            for (Map.Entry<String, String> required : headers.entrySet()) {
                String actual = header.apply(required.getKey());
                if (actual == null || !required.getValue().equals("*") && !required.getValue().equals(actual)) {
                    return false;
                }
            }
            return true;
        }
    }
}
