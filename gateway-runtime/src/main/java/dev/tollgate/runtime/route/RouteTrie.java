package dev.tollgate.runtime.route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The index behind {@link RoutingTable}: routes by path segment, then by host, then by method, so
 * that a lookup costs what the path and the routes sharing its shape cost, not the route count.
 *
 * <p>Each route has a rank, its position in the table's specificity order; the answer is the
 * matching route of lowest rank, which is what walking the table in order finds first. A node of
 * the trie has its literal children in a hash map, one child for {@code {name}} and {@code *}
 * (both take any one non-empty segment), the routes whose template ends there, and those whose
 * template ends there with {@code **}. Since specificity is global (a {@code {name}} route can
 * outrank a literal one ending in {@code **}), the search follows every branch the path allows,
 * skipping a branch whose lowest rank cannot beat the best found so far. Each node is reached
 * by one path only, so a lookup never visits more nodes than the trie has.
 *
 * <p>Immutable once built; lookups take no lock.
 */
final class RouteTrie<T> {
    private final List<RoutingTable.Entry<T>> entries;
    private final Node root;

    /** @param entries in specificity order: an entry's index is its rank */
    RouteTrie(List<RoutingTable.Entry<T>> entries) {
        this.entries = entries;
        NodeBuilder rootBuilder = new NodeBuilder();
        for (int rank = 0; rank < entries.size(); rank++) {
            PathTemplate template = entries.get(rank).template();
            NodeBuilder node = rootBuilder;
            for (int i = 0; i < template.fixedSegments(); i++) {
                node = node.child(template.literalAt(i));
            }
            (template.endsWithRest() ? node.rest : node.exact).add(entries.get(rank), rank);
        }
        this.root = rootBuilder.build();
    }

    /** The rank of the first route in specificity order matching everything, or -1. */
    int find(String method, String host, List<String> segments, Function<String, String> header) {
        int best = search(root, segments, 0, new Request(method, host, header), Integer.MAX_VALUE);
        return best == Integer.MAX_VALUE ? -1 : best;
    }

    /** Adds the methods of the routes matching path, host and headers (for "method not allowed"). */
    void collectMethods(String host, List<String> segments, Function<String, String> header, Set<String> methods) {
        collect(root, segments, 0, new Request("", host, header), methods);
    }

    private int search(Node node, List<String> segments, int depth, Request request, int best) {
        if (node.lowestRank >= best) {
            return best;
        }
        if (depth == segments.size()) {
            if (node.exact != null) {
                best = node.exact.find(request, best);
            }
        }
        else {
            String segment = segments.get(depth);
            Node literal = node.literals.get(segment);
            if (literal != null) {
                best = search(literal, segments, depth + 1, request, best);
            }
            if (node.anySegment != null && !segment.isEmpty()) {
                best = search(node.anySegment, segments, depth + 1, request, best);
            }
        }
        if (node.rest != null) {
            best = node.rest.find(request, best);
        }
        return best;
    }

    private void collect(Node node, List<String> segments, int depth, Request request, Set<String> methods) {
        if (depth == segments.size()) {
            if (node.exact != null) {
                node.exact.collectMethods(request, methods);
            }
        }
        else {
            String segment = segments.get(depth);
            Node literal = node.literals.get(segment);
            if (literal != null) {
                collect(literal, segments, depth + 1, request, methods);
            }
            if (node.anySegment != null && !segment.isEmpty()) {
                collect(node.anySegment, segments, depth + 1, request, methods);
            }
        }
        if (node.rest != null) {
            node.rest.collectMethods(request, methods);
        }
    }

    private record Request(String method, String host, Function<String, String> header) {
    }

    private final class Node {
        final Map<String, Node> literals;
        final Node anySegment;
        final Routes exact;
        final Routes rest;
        /** The lowest rank in this subtree: a search that already has a better one skips it. */
        final int lowestRank;

        Node(Map<String, Node> literals, Node anySegment, Routes exact, Routes rest) {
            this.literals = literals;
            this.anySegment = anySegment;
            this.exact = exact;
            this.rest = rest;
            int lowest = Integer.MAX_VALUE;
            for (Node child : literals.values()) {
                lowest = Math.min(lowest, child.lowestRank);
            }
            if (anySegment != null) {
                lowest = Math.min(lowest, anySegment.lowestRank);
            }
            if (exact != null) {
                lowest = Math.min(lowest, exact.lowestRank);
            }
            if (rest != null) {
                lowest = Math.min(lowest, rest.lowestRank);
            }
            this.lowestRank = lowest;
        }
    }

    private final class NodeBuilder {
        final Map<String, NodeBuilder> literals = new HashMap<>();
        NodeBuilder anySegment;
        final RoutesBuilder exact = new RoutesBuilder();
        final RoutesBuilder rest = new RoutesBuilder();

        /** The child for a literal segment, or for any one segment when {@code literal} is null. */
        NodeBuilder child(String literal) {
            if (literal == null) {
                if (anySegment == null) {
                    anySegment = new NodeBuilder();
                }
                return anySegment;
            }
            return literals.computeIfAbsent(literal, text -> new NodeBuilder());
        }

        Node build() {
            Map<String, Node> children = new HashMap<>(Math.max(4, literals.size() * 4 / 3 + 1));
            literals.forEach((text, child) -> children.put(text, child.build()));
            return new Node(children.isEmpty() ? Map.of() : children, anySegment == null ? null : anySegment.build(),
                    exact.build(), rest.build());
        }
    }

    /**
     * The routes ending at one node in the same way, by host: exact names, {@code *.suffix}
     * patterns by their suffix (".example.com"), and routes for any host.
     */
    private final class Routes {
        final Map<String, ByMethod> byHost;
        final Map<String, ByMethod> bySuffix;
        final ByMethod anyHost;
        final int lowestRank;

        Routes(Map<String, ByMethod> byHost, Map<String, ByMethod> bySuffix, ByMethod anyHost, int lowestRank) {
            this.byHost = byHost;
            this.bySuffix = bySuffix;
            this.anyHost = anyHost;
            this.lowestRank = lowestRank;
        }

        int find(Request request, int best) {
            if (lowestRank >= best) {
                return best;
            }
            if (anyHost != null) {
                best = anyHost.find(request, best);
            }
            if (!byHost.isEmpty()) {
                ByMethod forHost = byHost.get(request.host);
                if (forHost != null) {
                    best = forHost.find(request, best);
                }
            }
            if (!bySuffix.isEmpty()) {
                String host = request.host;
                for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
                    ByMethod forSuffix = bySuffix.get(host.substring(dot));
                    if (forSuffix != null) {
                        best = forSuffix.find(request, best);
                    }
                }
            }
            return best;
        }

        void collectMethods(Request request, Set<String> methods) {
            if (anyHost != null) {
                anyHost.collectMethods(request, methods);
            }
            ByMethod forHost = byHost.get(request.host);
            if (forHost != null) {
                forHost.collectMethods(request, methods);
            }
            if (!bySuffix.isEmpty()) {
                String host = request.host;
                for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
                    ByMethod forSuffix = bySuffix.get(host.substring(dot));
                    if (forSuffix != null) {
                        forSuffix.collectMethods(request, methods);
                    }
                }
            }
        }
    }

    private final class RoutesBuilder {
        final Map<String, ByMethodBuilder> byHost = new HashMap<>();
        final Map<String, ByMethodBuilder> bySuffix = new HashMap<>();
        ByMethodBuilder anyHost;
        int lowestRank = Integer.MAX_VALUE;

        /** Ranks arrive in increasing order, so every list below stays sorted. */
        void add(RoutingTable.Entry<T> entry, int rank) {
            lowestRank = Math.min(lowestRank, rank);
            if (entry.hosts().isEmpty()) {
                if (anyHost == null) {
                    anyHost = new ByMethodBuilder();
                }
                anyHost.add(entry, rank);
                return;
            }
            for (String pattern : entry.hosts()) {
                if (pattern.startsWith("*.")) {
                    bySuffix.computeIfAbsent(pattern.substring(1), suffix -> new ByMethodBuilder()).add(entry, rank);
                }
                else {
                    byHost.computeIfAbsent(pattern, name -> new ByMethodBuilder()).add(entry, rank);
                }
            }
        }

        Routes build() {
            if (lowestRank == Integer.MAX_VALUE) {
                return null;
            }
            return new Routes(build(byHost), build(bySuffix), anyHost == null ? null : anyHost.build(), lowestRank);
        }

        private Map<String, ByMethod> build(Map<String, ByMethodBuilder> builders) {
            if (builders.isEmpty()) {
                return Map.of();
            }
            Map<String, ByMethod> built = new HashMap<>();
            builders.forEach((key, builder) -> built.put(key, builder.build()));
            return built;
        }
    }

    /** Ranks of routes for one host key, by method, each array in increasing rank order. */
    private final class ByMethod {
        final Map<String, int[]> byMethod;
        final int[] anyMethod;
        /** Every route here, for "method not allowed". */
        final int[] all;

        ByMethod(Map<String, int[]> byMethod, int[] anyMethod, int[] all) {
            this.byMethod = byMethod;
            this.anyMethod = anyMethod;
            this.all = all;
        }

        int find(Request request, int best) {
            best = first(anyMethod, request, best);
            if (!byMethod.isEmpty()) {
                int[] forMethod = byMethod.get(request.method);
                if (forMethod != null) {
                    best = first(forMethod, request, best);
                }
            }
            return best;
        }

        /** The first rank below {@code best} whose headers match; routes past the path and host. */
        private int first(int[] ranks, Request request, int best) {
            for (int rank : ranks) {
                if (rank >= best) {
                    break;
                }
                if (entries.get(rank).matchesHeaders(request.header)) {
                    return rank;
                }
            }
            return best;
        }

        void collectMethods(Request request, Set<String> methods) {
            for (int rank : all) {
                RoutingTable.Entry<T> entry = entries.get(rank);
                if (entry.matchesHeaders(request.header)) {
                    methods.addAll(entry.methods());
                }
            }
        }
    }

    private final class ByMethodBuilder {
        final Map<String, List<Integer>> byMethod = new HashMap<>();
        final List<Integer> anyMethod = new ArrayList<>();
        final List<Integer> all = new ArrayList<>();

        void add(RoutingTable.Entry<T> entry, int rank) {
            all.add(rank);
            if (entry.methods().isEmpty()) {
                anyMethod.add(rank);
            }
            for (String method : entry.methods()) {
                byMethod.computeIfAbsent(method, name -> new ArrayList<>()).add(rank);
            }
        }

        ByMethod build() {
            Map<String, int[]> methods = new HashMap<>();
            byMethod.forEach((method, ranks) -> methods.put(method, toArray(ranks)));
            return new ByMethod(methods.isEmpty() ? Map.of() : methods, toArray(anyMethod), toArray(all));
        }

        private static int[] toArray(List<Integer> ranks) {
            return ranks.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
