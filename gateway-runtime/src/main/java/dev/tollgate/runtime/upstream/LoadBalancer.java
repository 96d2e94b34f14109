package dev.tollgate.runtime.upstream;

import dev.tollgate.api.http.Exchange;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * A load-balancing policy. For each membership snapshot of a service it builds a {@link Picker}
 * (grpc-java's picker shape): whatever a policy precomputes from the members — a weighted
 * schedule, a hash ring — is built once per change, never per request, and the request path only
 * reads it. Counters that must survive membership changes (round robin's position) live in the
 * policy.
 */
interface LoadBalancer {

    /** A picker over these members, in the order given; the list is not changed afterwards. */
    Picker picker(List<InstanceState> members);

    /** Chooses among one snapshot's members. Thread-safe and lock-free. */
    interface Picker {
        /** A member that {@code eligible} accepts, or {@code null} when none does. */
        InstanceState pick(Exchange exchange, Predicate<InstanceState> eligible);
    }

    static LoadBalancer of(UpstreamSettings.LoadBalancing settings) {
        requireNonNull(settings, "settings is null");
        return switch (settings.policy()) {
            case ROUND_ROBIN -> new RoundRobin();
            case WEIGHTED -> new Weighted();
            case LEAST_REQUESTS -> members -> (exchange, eligible) -> leastRequests(members, eligible);
            case RANDOM -> members -> (exchange, eligible) -> scanFrom(members, ThreadLocalRandom.current().nextInt(Math.max(1, members.size())), eligible);
            case P2C_LATENCY -> members -> (exchange, eligible) -> powerOfTwoChoices(members, eligible);
            case CONSISTENT_HASH -> new ConsistentHash(settings);
        };
    }

    /** The first eligible member from {@code start} on, wrapping around. */
    private static InstanceState scanFrom(List<InstanceState> members, int start, Predicate<InstanceState> eligible) {
        int size = members.size();
        for (int i = 0; i < size; i++) {
            InstanceState candidate = members.get((start + i) % size);
            if (eligible.test(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Fewest requests in flight per unit of weight; ties go to the first from a random start. */
    private static InstanceState leastRequests(List<InstanceState> members, Predicate<InstanceState> eligible) {
        int size = members.size();
        if (size == 0) {
            return null;
        }
        int start = ThreadLocalRandom.current().nextInt(size);
        InstanceState best = null;
        double bestLoad = Double.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            InstanceState candidate = members.get((start + i) % size);
            if (!eligible.test(candidate)) {
                continue;
            }
            double load = (double) candidate.inFlight() / candidate.instance().weight();
            if (load < bestLoad) {
                best = candidate;
                bestLoad = load;
            }
        }
        return best;
    }

    /**
     * Power of two choices: two eligible members at random, the one with the lower cost — latency
     * estimate times (requests in flight + 1), so both a slow and a busy instance lose (Finagle's
     * peak-EWMA balancer).
     */
    private static InstanceState powerOfTwoChoices(List<InstanceState> members, Predicate<InstanceState> eligible) {
        int size = members.size();
        if (size == 0) {
            return null;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int first = random.nextInt(size);
        InstanceState a = scanFrom(members, first, eligible);
        if (a == null || size == 1) {
            return a;
        }
        int aIndex = members.indexOf(a);
        int second = (aIndex + 1 + random.nextInt(size - 1)) % size;
        InstanceState b = null;
        for (int i = 0; i < size - 1 && b == null; i++) {
            InstanceState candidate = members.get((second + i) % size);
            if (candidate != a && eligible.test(candidate)) {
                b = candidate;
            }
        }
        if (b == null) {
            return a;
        }
        return cost(b) < cost(a) ? b : a;
    }

    private static double cost(InstanceState state) {
        return (state.latencyNanos() + 1.0) * (state.inFlight() + 1) / state.instance().weight();
    }

    /** Each member in turn, skipping those not eligible. */
    final class RoundRobin implements LoadBalancer {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Picker picker(List<InstanceState> members) {
            return (exchange, eligible) -> members.isEmpty() ? null
                    : scanFrom(members, Math.floorMod(next.getAndIncrement(), members.size()), eligible);
        }
    }

    /**
     * Smooth weighted round robin (nginx's): a schedule in which each member appears as often as
     * its weight, spread out rather than in runs, computed once per membership.
     */
    final class Weighted implements LoadBalancer {
        private static final int MAX_SCHEDULE = 1 << 16;
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Picker picker(List<InstanceState> members) {
            int[] schedule = schedule(members);
            return (exchange, eligible) -> {
                if (members.isEmpty()) {
                    return null;
                }
                int position = Math.floorMod(next.getAndIncrement(), schedule.length);
                InstanceState scheduled = members.get(schedule[position]);
                return eligible.test(scheduled) ? scheduled : scanFrom(members, schedule[position] + 1, eligible);
            };
        }

        static int[] schedule(List<InstanceState> members) {
            int size = members.size();
            if (size == 0) {
                return new int[] {0};
            }
            int[] weights = new int[size];
            int divisor = 0;
            for (int i = 0; i < size; i++) {
                weights[i] = members.get(i).instance().weight();
                divisor = gcd(divisor, weights[i]);
            }
            long total = 0;
            for (int i = 0; i < size; i++) {
                weights[i] /= divisor;
                total += weights[i];
            }
            int length = (int) Math.min(total, MAX_SCHEDULE);
            int[] schedule = new int[length];
            long[] current = new long[size];
            for (int slot = 0; slot < length; slot++) {
                int best = 0;
                for (int i = 0; i < size; i++) {
                    current[i] += weights[i];
                    if (current[i] > current[best]) {
                        best = i;
                    }
                }
                current[best] -= total;
                schedule[slot] = best;
            }
            return schedule;
        }

        private static int gcd(int a, int b) {
            return b == 0 ? a : gcd(b, a % b);
        }
    }

    /**
     * A hash ring with virtual nodes (160 per unit of weight): a key maps to the first member
     * clockwise from its hash, so adding or removing a member moves only the keys next to it. A
     * member that is not eligible passes its keys to the next one on the ring.
     */
    final class ConsistentHash implements LoadBalancer {
        private static final int VIRTUAL_NODES_PER_WEIGHT = 160;
        private final UpstreamSettings.LoadBalancing settings;
        private final AtomicInteger fallback = new AtomicInteger();

        ConsistentHash(UpstreamSettings.LoadBalancing settings) {
            this.settings = settings;
        }

        @Override
        public Picker picker(List<InstanceState> members) {
            int nodes = 0;
            for (InstanceState member : members) {
                nodes += VIRTUAL_NODES_PER_WEIGHT * member.instance().weight();
            }
            long[] points = new long[nodes];
            int index = 0;
            for (int m = 0; m < members.size(); m++) {
                String id = members.get(m).id();
                int count = VIRTUAL_NODES_PER_WEIGHT * members.get(m).instance().weight();
                for (int v = 0; v < count; v++) {
                    // Member index in the low bits so that sorting keeps the owner with its point.
                    points[index++] = (hash(id + "#" + v) & ~0xFFFFL) | m;
                }
            }
            Arrays.sort(points);
            return (exchange, eligible) -> {
                if (members.isEmpty()) {
                    return null;
                }
                String key = key(exchange);
                if (key == null) {
                    return scanFrom(members, Math.floorMod(fallback.getAndIncrement(), members.size()), eligible);
                }
                int position = Arrays.binarySearch(points, hash(key) & ~0xFFFFL);
                if (position < 0) {
                    position = -position - 1;
                }
                for (int i = 0; i < points.length; i++) {
                    InstanceState candidate = members.get((int) (points[(position + i) % points.length] & 0xFFFFL));
                    if (eligible.test(candidate)) {
                        return candidate;
                    }
                }
                return null;
            };
        }

        private String key(Exchange exchange) {
            return switch (settings.hashSource()) {
                case IP -> {
                    InetAddress client = exchange.clientAddress();
                    yield client == null ? null : client.getHostAddress();
                }
                case PATH -> exchange.request().path();
                case HEADER -> exchange.request().headers().get(settings.hashName());
                case COOKIE -> cookie(exchange, settings.hashName());
            };
        }

        private static String cookie(Exchange exchange, String name) {
            for (String header : exchange.request().headers().getAll("Cookie")) {
                int start = 0;
                while (start < header.length()) {
                    int end = header.indexOf(';', start);
                    if (end < 0) {
                        end = header.length();
                    }
                    int equals = header.indexOf('=', start);
                    if (equals > 0 && equals < end && header.substring(start, equals).trim().equals(name)) {
                        return header.substring(equals + 1, end).trim();
                    }
                    start = end + 1;
                }
            }
            return null;
        }

        /** FNV-1a over the UTF-8 bytes, finished with MurmurHash3's 64-bit mix for an even spread. */
        static long hash(String text) {
            long hash = 0xcbf29ce484222325L;
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                hash ^= b & 0xff;
                hash *= 0x100000001b3L;
            }
            hash ^= hash >>> 33;
            hash *= 0xff51afd7ed558ccdL;
            hash ^= hash >>> 33;
            hash *= 0xc4ceb9fe1a85ec53L;
            hash ^= hash >>> 33;
            return hash;
        }
    }
}
