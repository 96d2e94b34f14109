package dev.tollgate.api.upstream;

import java.net.URI;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * Where and how to reach an instance, parsed once from its address URL
 * ({@link ServiceInstance#address()}) by the one parser every backend and the runtime's health
 * prober share, so that {@code grpcs://host} means the same to all of them.
 *
 * @param scheme how to speak to the instance
 * @param host the host name or address literal (IPv6 without brackets)
 * @param port the port, the scheme's default when the URL gives none
 * @since 1.2
 */
public record InstanceAddress(Scheme scheme, String host, int port) {

    public InstanceAddress {
        requireNonNull(scheme, "scheme is null");
        requireNonNull(host, "host is null");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses an instance address.
     *
     * @throws IllegalArgumentException naming the address when its scheme is not one of
     *         {@link Scheme}'s or it has no host
     */
    public static InstanceAddress of(URI address) {
        requireNonNull(address, "address is null");
        Scheme scheme = Scheme.parse(address.getScheme());
        String host = address.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("instance address has no host: " + address);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = address.getPort() > 0 ? address.getPort() : scheme.defaultPort();
        return new InstanceAddress(scheme, host, port);
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Whether the connection is TLS. */
    public boolean isSecure() {
        return scheme.isSecure();
    }

    @Override
    public String toString() {
        return scheme.text() + "://" + authority();
    }

    /** The address schemes instances may use. */
    public enum Scheme {
        /** HTTP/1.1 in clear text. */
        HTTP("http", 80, false, false),
        /** TLS; HTTP/2 or HTTP/1.1 as ALPN settles. */
        HTTPS("https", 443, true, false),
        /** HTTP/2 in clear text with prior knowledge. */
        H2C("h2c", 80, false, true),
        /** HTTP/2 over TLS only. */
        H2("h2", 443, true, true),
        /** gRPC in clear text (HTTP/2 with prior knowledge). */
        GRPC("grpc", 80, false, true),
        /** gRPC over TLS. */
        GRPCS("grpcs", 443, true, true),
        /** WebSocket in clear text. */
        WS("ws", 80, false, false),
        /** WebSocket over TLS. */
        WSS("wss", 443, true, false);

        private final String text;
        private final int defaultPort;
        private final boolean secure;
        private final boolean http2Only;

        Scheme(String text, int defaultPort, boolean secure, boolean http2Only) {
            this.text = text;
            this.defaultPort = defaultPort;
            this.secure = secure;
            this.http2Only = http2Only;
        }

        /**
         * The scheme of that name, ignoring case.
         *
         * @throws IllegalArgumentException naming the accepted schemes
         */
        public static Scheme parse(String text) {
            if (text != null) {
                String lower = text.toLowerCase(Locale.ROOT);
                for (Scheme scheme : values()) {
                    if (scheme.text.equals(lower)) {
                        return scheme;
                    }
                }
            }
            throw new IllegalArgumentException("unsupported instance address scheme '" + text
                    + "': use http, https, h2c, h2, grpc, grpcs, ws or wss");
        }

        /** The scheme as written in URLs, lower case. */
        public String text() {
            return text;
        }

        public int defaultPort() {
            return defaultPort;
        }

        /** Whether connections use TLS. */
        public boolean isSecure() {
            return secure;
        }

        /** Whether connections speak HTTP/2 only (no HTTP/1.1 fallback). */
        public boolean isHttp2Only() {
            return http2Only;
        }

        /** Whether the instance speaks gRPC. */
        public boolean isGrpc() {
            return this == GRPC || this == GRPCS;
        }

        /** Whether the instance is a WebSocket server. */
        public boolean isWebSocket() {
            return this == WS || this == WSS;
        }
    }
}
