package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.PluginConfig;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * One service's settings ({@code tollgate.backends.http.service} in {@code reference.conf}), read
 * and checked once when the service's backend is created. TLS towards the instances is the
 * runtime's ({@code Upstream.tls()}), shared with its health probes.
 *
 * @param protocol how to speak to the instances
 * @param pool connection pool sizes
 * @param timeouts connect, response and idle timeouts
 * @param maxResponseHeaderSize the largest response head accepted, in bytes
 * @param principalHeaders the headers that carry the exchange's principal to the instances
 */
record ServiceSettings(Protocol protocol, Pool pool, Timeouts timeouts, int maxResponseHeaderSize, PrincipalHeaders principalHeaders) {

    public ServiceSettings {
        requireNonNull(protocol, "protocol is null");
        requireNonNull(pool, "pool is null");
        requireNonNull(timeouts, "timeouts is null");
        requireNonNull(principalHeaders, "principalHeaders is null");
    }

    /** Reads and checks a service block; throws {@code InvalidConfigException} naming the key. */
    public static ServiceSettings from(PluginConfig config) {
        Protocol protocol = Protocol.from(config, "protocol");
        Pool pool = new Pool(
                positive(config, "pool.max-connections-per-instance"),
                positive(config, "pool.max-requests-per-connection"),
                positive(config, "pool.max-queued-requests-per-instance"));
        Duration connect = config.getDuration("timeouts.connect");
        if (connect.isZero() || connect.isNegative()) {
            throw config.error("timeouts.connect", "must be positive");
        }
        Timeouts timeouts = new Timeouts(connect, notNegative(config, "timeouts.response"), notNegative(config, "timeouts.idle"));
        long headerSize = config.getBytes("max-response-header-size");
        if (headerSize < 1024 || headerSize > 1024 * 1024) {
            throw config.error("max-response-header-size", "must be between 1KiB and 1MiB, got " + headerSize + " bytes");
        }
        return new ServiceSettings(protocol, pool, timeouts, (int) headerSize, PrincipalHeaders.from(config));
    }

    private static int positive(PluginConfig config, String key) {
        int value = config.getInt(key);
        if (value < 1) {
            throw config.error(key, "must be at least 1, got " + value);
        }
        return value;
    }

    static Duration notNegative(PluginConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.isNegative()) {
            throw config.error(key, "must not be negative");
        }
        return value;
    }

    /** How the backend speaks to instances. */
    public enum Protocol {
        /**
         * By each instance's address scheme: http HTTP/1.1; https ALPN (h2, http/1.1); h2c and grpc
         * HTTP/2 with prior knowledge; h2 and grpcs HTTP/2 over TLS.
         */
        AUTO("auto"),
        /** HTTP/1.1 only (over TLS for https, h2 and grpcs). */
        HTTP_1_1("http/1.1"),
        /** HTTP/2 only: ALPN h2 over TLS, prior knowledge in clear text. */
        HTTP_2("h2");

        private final String configName;

        Protocol(String configName) {
            this.configName = configName;
        }

        static Protocol from(PluginConfig config, String key) {
            String value = config.getString(key);
            for (Protocol protocol : values()) {
                if (protocol.configName.equalsIgnoreCase(value)) {
                    return protocol;
                }
            }
            throw config.error(key, "must be auto, http/1.1 or h2, got '" + value + "'");
        }
    }

    /**
     * @param maxConnectionsPerInstance connections to one instance, busy or idle
     * @param maxRequestsPerConnection concurrent streams on one HTTP/2 connection
     * @param maxQueuedRequestsPerInstance requests waiting for a connection to one instance
     */
    public record Pool(int maxConnectionsPerInstance, int maxRequestsPerConnection, int maxQueuedRequestsPerInstance) {
    }

    /**
     * @param connect connection establishment, TLS included
     * @param response from the end of the request to the response headers; zero for no limit
     * @param idle no traffic on a connection or stream for this long fails it; zero for no limit
     */
    public record Timeouts(Duration connect, Duration response, Duration idle) {
        public Timeouts {
            requireNonNull(connect, "connect is null");
            requireNonNull(response, "response is null");
            requireNonNull(idle, "idle is null");
        }
    }
}
