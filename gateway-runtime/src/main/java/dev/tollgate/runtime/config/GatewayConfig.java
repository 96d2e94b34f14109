package dev.tollgate.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import dev.tollgate.api.event.HistoryRule;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.client.TrustedProxies;
import dev.tollgate.runtime.upstream.UpstreamSettings;

import static java.util.Objects.requireNonNull;

/**
 * The gateway's configuration, read and checked once by {@link GatewayConfigReader}. Code below
 * this never sees raw HOCON, except the blocks handed on to plugins.
 */
public record GatewayConfig(
        Path home,
        Server server,
        SystemEndpoints system,
        Logging logging,
        Plugins plugins,
        Path dataDirectory,
        Events events,
        RedisConnections redis,
        Map<String, HoconConfig> discovery,
        Map<String, Service> services,
        Map<String, FilterDefinition> filters,
        List<FilterUse> globalFilters,
        List<Route> routes,
        Reload reload) {

    public GatewayConfig {
        requireNonNull(home, "home is null");
        requireNonNull(server, "server is null");
        requireNonNull(system, "system is null");
        requireNonNull(logging, "logging is null");
        requireNonNull(plugins, "plugins is null");
        requireNonNull(dataDirectory, "dataDirectory is null");
        requireNonNull(events, "events is null");
        requireNonNull(redis, "redis is null");
        discovery = Map.copyOf(discovery);
        services = Map.copyOf(services);
        filters = Map.copyOf(filters);
        globalFilters = List.copyOf(globalFilters);
        routes = List.copyOf(routes);
        requireNonNull(reload, "reload is null");
    }

    public record Server(
            String host,
            HttpListener http,
            HttpsListener https,
            Limits limits,
            Security security,
            Forwarding forwarding,
            String requestIdHeader,
            Duration shutdownGracePeriod,
            int maxThreads,
            int minThreads,
            int reservedThreads,
            Duration drainDelay,
            Management management) {
    }

    /**
     * The management listener: {@code /health} with details and {@code /metrics}, for operators
     * and scrapers, apart from the public listeners.
     *
     * @param port the port; 0 for an ephemeral one (tests)
     */
    public record Management(boolean enabled, String address, int port) {
    }

    /**
     * @param h2c whether h2c with prior knowledge is served
     * @param h2cUpgrade whether an HTTP/1.1 request with {@code Upgrade: h2c} switches to h2c
     * @param selectors the listener's selector threads; 0 for one per core
     */
    public record HttpListener(boolean enabled, int port, boolean h2c, boolean h2cUpgrade, int selectors) {
    }

    /**
     * @param selectors the listener's selector threads; 0 for one per core (TLS work is heavier)
     */
    public record HttpsListener(boolean enabled, int port, boolean http2Only, KeyStore keyStore, List<String> protocols,
                                int selectors) {
    }

    /**
     * @param path the key store, or empty for a generated self-signed certificate
     */
    public record KeyStore(Optional<Path> path, String password, String type, String keyPassword,
                           Path selfSignedDirectory, List<String> subjectAlternativeNames) {
    }

    /**
     * @param lingeringTime how long a connection the gateway closed after its FIN is still read,
     *     waiting for the client's; zero closes at once
     * @param maxConnections client connections open at once over both listeners; 0: no cap
     * @param http2IdleTimeout how long an HTTP/2 connection may stay without an open stream; zero disables
     */
    public record Limits(
            int maxRequestHeaderSize,
            int maxResponseHeaderSize,
            int maxUriLength,
            long maxRequestBodySize,
            long maxBufferedBodySize,
            Duration headerReadTimeout,
            Duration idleTimeout,
            Duration lingeringTime,
            int maxConnections,
            Duration tlsHandshakeTimeout,
            long minRequestDataRate,
            long minResponseDataRate,
            int http2MaxConcurrentStreams,
            int http2MaxResetsPerSecond,
            int http2InitialStreamWindow,
            int http2InitialSessionWindow,
            Duration http2IdleTimeout) {
    }

    public record Security(boolean rejectAmbiguousPaths, boolean mergeSlashes, boolean rejectUnderscoresInHeaderNames) {
    }

    /**
     * What reaches backends of what a client says about itself.
     *
     * @param trustedProxies the peers whose forwarding headers are believed (and extended)
     * @param clientAddressHeader where trusted proxies report the client's address
     * @param identityHeaders removed from every client request, before any filter
     */
    public record Forwarding(TrustedProxies trustedProxies, String clientAddressHeader, List<String> identityHeaders) {
        public Forwarding {
            requireNonNull(trustedProxies, "trustedProxies is null");
            requireNonNull(clientAddressHeader, "clientAddressHeader is null");
            identityHeaders = List.copyOf(identityHeaders);
        }
    }

    /**
     * @param globalFilters whether the system endpoints run behind {@code gateway.global-filters}
     * @param publicHealthDetails whether the public listeners' {@code /health} shows components and details
     * @param publicMetrics whether the public listeners serve {@code /metrics}
     */
    public record SystemEndpoints(boolean enabled, String healthPath, String metricsPath, boolean globalFilters,
                                  boolean publicHealthDetails, boolean publicMetrics) {
    }

    /**
     * @param watch whether a change of the configuration file is applied without a signal
     * @param drainTimeout how long the exchanges of a replaced configuration may run before its
     *        components are closed anyway
     */
    public record Reload(boolean watch, Duration drainTimeout) {
    }

    public record Logging(String format, String level, Map<String, String> levels) {
    }

    /** @param settings per plugin id, as written under {@code gateway.plugins} */
    public record Plugins(Path directory, Map<String, PluginSettings> settings) {
        public Plugins {
            settings = Map.copyOf(settings);
        }

        public PluginSettings settingsOf(String pluginId) {
            return settings.getOrDefault(pluginId,
                    new PluginSettings(pluginId, true, false, false, HoconConfig.empty("gateway.plugins." + pluginId, pluginId)));
        }
    }

    /**
     * @param required a component of the plugin that fails to start stops start-up (and refuses a reload)
     * @param optional a component of the plugin that fails to start leaves the gateway ready (its
     *        routes answer 503); otherwise the gateway is not ready while it is down
     * @param config the plugin's own keys, without {@code enabled}, {@code required} and {@code optional}
     */
    public record PluginSettings(String pluginId, boolean enabled, boolean required, boolean optional, HoconConfig config) {
    }

    /**
     * @param config the bridge's block ({@code gateway.events.<bridge>})
     * @param localHistory history rules of the in-memory bus
     * @param localMaxHistoryChannels how many channels keep history at most in the in-memory bus
     */
    public record Events(String bridge, HoconConfig config, List<HistoryRule> localHistory, int localMaxHistoryChannels) {
        public Events {
            localHistory = List.copyOf(localHistory);
        }

        public boolean isLocal() {
            return "local".equals(bridge);
        }
    }

    /**
     * The Redis connections of {@code gateway.redis}, validated, by name; lent to plugins through
     * {@code PluginContext.redis}.
     */
    public record RedisConnections(Map<String, RedisSettings> byName) {
        public RedisConnections {
            byName = Map.copyOf(byName);
        }

        /** The names under {@code gateway.redis}. */
        public Set<String> names() {
            return byName.keySet();
        }

        /**
         * The connection {@code name}.
         *
         * @throws IllegalArgumentException when there is none of that name; the message names the
         *         configured ones, with a "did you mean" when one is spelled alike
         */
        public RedisSettings get(String name) {
            RedisSettings settings = byName.get(requireNonNull(name, "name is null"));
            if (settings != null) {
                return settings;
            }
            if (byName.isEmpty()) {
                throw new IllegalArgumentException("no Redis connection '" + name + "': gateway.redis has none; declare it as gateway.redis."
                        + name + " { address = \"redis://host:6379\" }");
            }
            throw new IllegalArgumentException("no Redis connection '" + name + "' in gateway.redis; configured: "
                    + String.join(", ", new TreeSet<>(byName.keySet()))
                    + ConfigKeys.closest(name, byName.keySet()).map(close -> " (did you mean '" + close + "'?)").orElse(""));
        }
    }

    /**
     * @param instances static instances; empty when {@code discovery} is set
     * @param upstream load balancing, health, circuit breaker and retries
     * @param backendConfig the keys the runtime does not own, for the backend plugin
     */
    public record Service(String name, String backend, List<ServiceInstance> instances, Optional<String> discovery,
                          UpstreamSettings upstream, HoconConfig block, HoconConfig backendConfig) {
    }

    /**
     * @param id the {@code id} setting, or the route's index
     * @param methods upper case; empty means any
     * @param hosts exact names or {@code *.suffix}; empty means any
     * @param headers name → required value, or {@code *} for presence
     */
    public record Route(
            String id,
            HoconConfig block,
            String path,
            Set<String> methods,
            List<String> hosts,
            Map<String, String> headers,
            Target target,
            List<FilterUse> filters,
            long maxRequestBodySize,
            long maxBufferedBodySize,
            long minRequestDataRate,
            long minResponseDataRate) {
    }

    /** Where a route leads: a service (with per-route options) or an endpoint. */
    public sealed interface Target permits ServiceTarget, EndpointTarget {
        String name();

        HoconConfig config();
    }

    public record ServiceTarget(String name, HoconConfig config) implements Target {
    }

    public record EndpointTarget(String name, HoconConfig config) implements Target {
    }

    /** One use of a named component: an endpoint, a service with route options. */
    public record Component(String name, HoconConfig config) {
    }

    /**
     * A named filter instance, {@code gateway.filters.<name> { type = …, … }}: one filter shared by
     * every route (and the gateway-wide list) naming it.
     *
     * @param config its settings, without {@code type}
     */
    public record FilterDefinition(String name, String type, HoconConfig config) {
    }

    /** An entry of a {@code filters} list: a named instance, or a filter type with settings of its own. */
    public sealed interface FilterUse permits NamedFilter, InlineFilter {
        /** The path of the entry, for messages. */
        String path();
    }

    /** An entry naming an instance of {@code gateway.filters}. */
    public record NamedFilter(String instance, String path) implements FilterUse {
    }

    /**
     * An entry with a filter type and its own settings ({@code { type = cors, … }}, or a bare type
     * name for its defaults).
     *
     * @param config the entry's settings, without {@code type}
     */
    public record InlineFilter(String type, HoconConfig config, String path) implements FilterUse {
    }
}
