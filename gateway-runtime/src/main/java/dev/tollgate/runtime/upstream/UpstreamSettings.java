package dev.tollgate.runtime.upstream;

import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.TlsSettings;
import dev.tollgate.runtime.config.HoconConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The runtime-owned settings of one service ({@code gateway.service-defaults} merged under the
 * service's own block): load balancing, active and passive health, circuit breaker, retries, and
 * TLS towards its instances (shared by its backend and the health probes).
 */
public record UpstreamSettings(
        LoadBalancing loadBalancing,
        HealthCheck healthCheck,
        PassiveHealth passiveHealth,
        CircuitBreakerSettings circuitBreaker,
        Retries retries,
        Set<Integer> failureStatuses,
        TlsSettings tls) {

    /** The keys of a service block these settings come from. */
    public static final Set<String> KEYS = Set.of(
            "load-balancer", "health-check", "passive-health", "circuit-breaker", "retries", "failure-statuses", "tls");

    /** Keys of a service block whose values are secrets, never to be printed. */
    public static final Set<String> SENSITIVE_KEYS = Set.of(
            "tls.trust-store.password", "tls.key-store.password", "tls.key-store.key-password");

    public UpstreamSettings {
        requireNonNull(loadBalancing, "loadBalancing is null");
        requireNonNull(healthCheck, "healthCheck is null");
        requireNonNull(passiveHealth, "passiveHealth is null");
        requireNonNull(circuitBreaker, "circuitBreaker is null");
        requireNonNull(retries, "retries is null");
        failureStatuses = Set.copyOf(failureStatuses);
        requireNonNull(tls, "tls is null");
    }

    public enum Policy {
        ROUND_ROBIN, WEIGHTED, LEAST_REQUESTS, RANDOM, P2C_LATENCY, CONSISTENT_HASH;

        String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** What a consistent hash keys on. */
    public enum HashSource { IP, HEADER, COOKIE, PATH }

    /**
     * @param hashName the header or cookie name for {@link HashSource#HEADER} and {@link HashSource#COOKIE}
     */
    public record LoadBalancing(Policy policy, HashSource hashSource, String hashName, boolean panicWhenAllUnavailable) {
    }

    public enum ProbeType { HTTP, GRPC, TCP }

    public record HealthCheck(boolean enabled, ProbeType type, String path, String grpcService, Duration interval,
                              Duration timeout, int healthyThreshold, int unhealthyThreshold) {
    }

    public record PassiveHealth(boolean enabled, int consecutiveFailures, Duration ejectionTime, Duration maxEjectionTime,
                                int maxEjectedPercent) {
    }

    public record CircuitBreakerSettings(boolean enabled, int failureRateThreshold, int minimumRequests, Duration window,
                                         Duration openDuration, int halfOpenRequests) {
    }

    public record Retries(int attempts, Set<Integer> statuses, Set<Attempt.Failure> failures, Duration backoff,
                          Duration maxBackoff, int budgetPercent, int budgetMinPerSecond) {
        public Retries {
            statuses = Set.copyOf(statuses);
            failures = failures.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(failures));
        }
    }

    /**
     * Reads and checks the settings.
     *
     * @param block the service's runtime-owned keys merged over {@code gateway.service-defaults}
     * @param home the directory relative store paths are resolved against
     * @throws dev.tollgate.api.InvalidConfigException naming the key of a bad value
     */
    public static UpstreamSettings read(HoconConfig block, Path home) {
        requireNonNull(home, "home is null");
        return new UpstreamSettings(
                readLoadBalancing(block.getConfig("load-balancer")),
                readHealthCheck(block.getConfig("health-check")),
                readPassiveHealth(block.getConfig("passive-health")),
                readCircuitBreaker(block.getConfig("circuit-breaker")),
                readRetries(block.getConfig("retries")),
                statuses(block, "failure-statuses"),
                readTls(block.getConfig("tls"), home));
    }

    /** Reads the settings with relative store paths resolved against the working directory (tests, embedding). */
    public static UpstreamSettings read(HoconConfig block) {
        return read(block, Path.of("").toAbsolutePath());
    }

    private static LoadBalancing readLoadBalancing(HoconConfig block) {
        String policyName = block.getString("policy");
        Policy policy = null;
        for (Policy candidate : Policy.values()) {
            if (candidate.configName().equals(policyName)) {
                policy = candidate;
            }
        }
        if (policy == null) {
            throw block.error("policy", "unknown policy '" + policyName + "' (known: round-robin, weighted, least-requests, "
                    + "random, p2c-latency, consistent-hash)");
        }
        String hashOn = block.getString("hash-on");
        HashSource source;
        String name = "";
        if (hashOn.equals("ip")) {
            source = HashSource.IP;
        }
        else if (hashOn.equals("path")) {
            source = HashSource.PATH;
        }
        else if (hashOn.startsWith("header:") && hashOn.length() > "header:".length()) {
            source = HashSource.HEADER;
            name = hashOn.substring("header:".length());
        }
        else if (hashOn.startsWith("cookie:") && hashOn.length() > "cookie:".length()) {
            source = HashSource.COOKIE;
            name = hashOn.substring("cookie:".length());
        }
        else {
            throw block.error("hash-on", "must be ip, path, header:<name> or cookie:<name>, got '" + hashOn + "'");
        }
        return new LoadBalancing(policy, source, name, block.getBoolean("panic-when-all-unavailable"));
    }

    private static HealthCheck readHealthCheck(HoconConfig block) {
        String typeName = block.getString("type");
        ProbeType type = switch (typeName) {
            case "http" -> ProbeType.HTTP;
            case "grpc" -> ProbeType.GRPC;
            case "tcp" -> ProbeType.TCP;
            default -> throw block.error("type", "must be http, grpc or tcp, got '" + typeName + "'");
        };
        String path = block.getString("path");
        if (!path.startsWith("/")) {
            throw block.error("path", "must be an absolute path such as /health");
        }
        Duration interval = block.positiveDuration("interval");
        Duration timeout = block.positiveDuration("timeout");
        if (timeout.compareTo(interval) > 0) {
            throw block.error("timeout", "must not be longer than interval (" + interval + ")");
        }
        return new HealthCheck(block.getBoolean("enabled"), type, path, block.getString("grpc-service"), interval, timeout,
                block.intInRange("healthy-threshold", 1, 100), block.intInRange("unhealthy-threshold", 1, 100));
    }

    private static PassiveHealth readPassiveHealth(HoconConfig block) {
        Duration ejection = block.positiveDuration("ejection-time");
        Duration maxEjection = block.positiveDuration("max-ejection-time");
        if (maxEjection.compareTo(ejection) < 0) {
            throw block.error("max-ejection-time", "must not be shorter than ejection-time (" + ejection + ")");
        }
        return new PassiveHealth(block.getBoolean("enabled"), block.intInRange("consecutive-failures", 1, 10_000),
                ejection, maxEjection, block.intInRange("max-ejected-percent", 0, 100));
    }

    private static CircuitBreakerSettings readCircuitBreaker(HoconConfig block) {
        return new CircuitBreakerSettings(block.getBoolean("enabled"), block.intInRange("failure-rate-threshold", 1, 100),
                block.intInRange("minimum-requests", 1, 1_000_000), block.positiveDuration("window"),
                block.positiveDuration("open-duration"), block.intInRange("half-open-requests", 1, 1000));
    }

    private static Retries readRetries(HoconConfig block) {
        Set<Attempt.Failure> failures = EnumSet.noneOf(Attempt.Failure.class);
        for (String name : block.getStringList("failures")) {
            Attempt.Failure failure = switch (name) {
                case "connect" -> Attempt.Failure.CONNECT;
                case "refused" -> Attempt.Failure.REFUSED;
                case "reset" -> Attempt.Failure.RESET;
                case "timeout" -> Attempt.Failure.TIMEOUT;
                default -> throw block.error("failures", "unknown failure '" + name + "' (known: connect, refused, reset, timeout)");
            };
            failures.add(failure);
        }
        Duration backoff = block.positiveDuration("backoff");
        Duration maxBackoff = block.positiveDuration("max-backoff");
        if (maxBackoff.compareTo(backoff) < 0) {
            throw block.error("max-backoff", "must not be shorter than backoff (" + backoff + ")");
        }
        HoconConfig budget = block.getConfig("budget");
        return new Retries(block.intInRange("attempts", 1, 10), statuses(block, "statuses"), failures, backoff, maxBackoff,
                budget.intInRange("percent", 0, 100), budget.intInRange("min-per-second", 0, 100_000));
    }

    private static TlsSettings readTls(HoconConfig block, Path home) {
        boolean trustAll = block.getBoolean("trust-all");
        Optional<TlsSettings.Store> trustStore = store(block, "trust-store", home);
        Optional<TlsSettings.Store> keyStore = store(block, "key-store", home);
        String keyPassword = block.getString("key-store.key-password");
        if (!keyPassword.isEmpty() && keyStore.isEmpty()) {
            throw block.error("key-store.key-password", "is set without a key-store.path");
        }
        return new TlsSettings(trustStore, trustAll, block.getBoolean("hostname-verification"), keyStore,
                keyStore.map(store -> keyPassword.isEmpty() ? store.password() : keyPassword).orElse(""));
    }

    private static Optional<TlsSettings.Store> store(HoconConfig block, String key, Path home) {
        HoconConfig store = block.getConfig(key);
        String type = store.getString("type");
        try {
            KeyStore.getInstance(type);
        }
        catch (KeyStoreException e) {
            throw store.error("type", "unknown key store type '" + type + "' (PKCS12 or JKS)");
        }
        String path = store.getString("path");
        if (path.isEmpty()) {
            return Optional.empty();
        }
        Path file = home.resolve(path).normalize();
        if (!Files.isReadable(file)) {
            throw store.error("path", "cannot read " + file);
        }
        return Optional.of(new TlsSettings.Store(file, type, store.getString("password")));
    }

    private static Set<Integer> statuses(HoconConfig block, String key) {
        Set<Integer> result = new LinkedHashSet<>();
        List<String> values = block.getStringList(key);
        for (String value : values) {
            int status;
            try {
                status = Integer.parseInt(value.trim());
            }
            catch (NumberFormatException e) {
                throw block.error(key, "'" + value + "' is not an HTTP status");
            }
            if (status < 100 || status > 599) {
                throw block.error(key, status + " is not an HTTP status");
            }
            result.add(status);
        }
        return result;
    }
}
