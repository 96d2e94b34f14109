package dev.tollgate.runtime.server;

import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.io.LoopConnector;
import dev.tollgate.runtime.tls.KeyStores;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.ConnectionStatistics;
import org.eclipse.jetty.io.WindowRateControl;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The Jetty server: a clear-text listener (HTTP/1.1 and h2c) and a TLS listener (ALPN h2 and
 * http/1.1, or h2 only), hardened by default — no version banner, strict HTTP parsing (request
 * smuggling shapes are refused with 400 and the connection closed), ambiguous URIs refused,
 * bounded headers, a deadline for request heads, HTTP/2 stream and reset limits — and a
 * graceful stop that lets in-flight exchanges finish.
 *
 * <p>Connections are capped, TLS handshakes have a deadline, and HTTP/2 sessions are held to
 * RFC 9113 where Jetty is lenient, with idle connections closed even when the client pings them
 * ({@link Http2SessionGuard}); clients' protocol errors are {@link ClientErrors}, not server errors.
 */
public final class GatewayServer {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final Server server;
    private final ServerConnector httpConnector;
    private final ServerConnector httpsConnector;
    private final ServerConnector managementConnector;
    private final GracefulHandler graceful = new GracefulHandler();
    private final ConnectionStatistics connectionStatistics = new ConnectionStatistics();
    private final ClientErrors clientErrors;
    private final Http2SessionGuard http2Guard;

    /** Builds the server and its listeners; {@link #start} binds them. */
    public GatewayServer(GatewayConfig.Server config, ClientErrors clientErrors) {
        requireNonNull(config, "config is null");
        this.clientErrors = requireNonNull(clientErrors, "clientErrors is null");
        this.http2Guard = new Http2SessionGuard(clientErrors, config.limits().http2IdleTimeout());
        int cores = Runtime.getRuntime().availableProcessors();
        int maxThreads = config.maxThreads() > 0 ? config.maxThreads() : Math.max(32, cores * 8);
        int minThreads = config.minThreads() > 0 ? Math.min(config.minThreads(), maxThreads) : Math.min(8, maxThreads);
        QueuedThreadPool threads = new ResumingThreadPool(maxThreads, minThreads);
        threads.setName("gateway");
        // Reserved threads let Jetty hand a selector's production to a parked thread and run the
        // task found on the selector's thread ("eat what you kill"): for an HTTP/2 connection (a
        // task Jetty marks as either blocking or not) that was a thread wake-up per selection.
        // The gateway's handling never blocks, so by default none are reserved and such tasks run
        // on the selector's thread, as HTTP/1.1's do (h2c: −17 % CPU per request, +10 % req/s).
        threads.setReservedThreads(config.reservedThreads());
        server = new Server(threads);
        server.setStopTimeout(config.shutdownGracePeriod().toMillis());
        server.setErrorHandler(new JsonErrorHandler(config.requestIdHeader(), clientErrors));

        GatewayConfig.Limits limits = config.limits();
        HttpConfiguration http = httpConfiguration(config);

        httpConnector = config.http().enabled() ? clearTextConnector(config, http, limits) : null;
        httpsConnector = config.https().enabled() ? tlsConnector(config, http, limits) : null;
        if (httpConnector != null) {
            server.addConnector(httpConnector);
        }
        if (httpsConnector != null) {
            server.addConnector(httpsConnector);
        }
        managementConnector = config.management().enabled() ? managementConnector(config.management(), http) : null;
        if (managementConnector != null) {
            server.addConnector(managementConnector);
        }
        limitConnections(limits.maxConnections());
        server.setHandler(graceful);
    }

    /**
     * Starts serving with {@code gatewayHandler} on the public listeners and
     * {@code managementHandler} on the management listener, behind the graceful-shutdown handler.
     */
    public void start(Handler gatewayHandler, Handler managementHandler) throws Exception {
        requireNonNull(gatewayHandler, "gatewayHandler is null");
        requireNonNull(managementHandler, "managementHandler is null");
        graceful.setHandler(managementConnector == null ? gatewayHandler : new ByListener(managementConnector, managementHandler, gatewayHandler));
        server.start();
        if (httpConnector != null) {
            LOG.info("Listening on http://{}:{} (HTTP/1.1{})", hostOf(httpConnector), httpConnector.getLocalPort(),
                    httpConnector.getConnectionFactory(HTTP2CServerConnectionFactory.class) != null ? ", h2c" : "");
        }
        if (httpsConnector != null) {
            LOG.info("Listening on https://{}:{} ({})", hostOf(httpsConnector), httpsConnector.getLocalPort(),
                    String.join(", ", httpsConnector.getProtocols()));
        }
        if (managementConnector != null) {
            LOG.info("Management on http://{}:{} (/health with details, /metrics)", hostOf(managementConnector),
                    managementConnector.getLocalPort());
        }
    }

    /** Stops accepting, waits for in-flight exchanges up to the grace period, then stops. */
    public void stop() throws Exception {
        server.stop();
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    /** The bound clear-text port, or -1 when that listener is off. */
    public int httpPort() {
        return httpConnector == null ? -1 : httpConnector.getLocalPort();
    }

    /** The bound TLS port, or -1 when that listener is off. */
    public int httpsPort() {
        return httpsConnector == null ? -1 : httpsConnector.getLocalPort();
    }

    /** The bound management port, or -1 when that listener is off. */
    public int managementPort() {
        return managementConnector == null ? -1 : managementConnector.getLocalPort();
    }

    /** Requests being handled right now. */
    public long inFlightRequests() {
        return graceful.getCurrentRequestCount();
    }

    /** Open client connections. */
    public long openConnections() {
        return connectionStatistics.getConnections();
    }

    /** Where clients' protocol errors are counted. */
    public ClientErrors clientErrors() {
        return clientErrors;
    }

    /** The Jetty server, for components that attach to it (WebSocket support). */
    public Server jetty() {
        return server;
    }

    private static HttpConfiguration httpConfiguration(GatewayConfig.Server config) {
        GatewayConfig.Limits limits = config.limits();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(true);
        http.setRequestHeaderSize(limits.maxRequestHeaderSize());
        http.setResponseHeaderSize(limits.maxResponseHeaderSize());
        http.setIdleTimeout(limits.idleTimeout().toMillis());
        // RFC 9110 parsing refuses Content-Length with Transfer-Encoding, repeated or malformed
        // Content-Length, unknown transfer codings, whitespace before colons and obsolete folding.
        http.setHttpCompliance(HttpCompliance.RFC9110);
        EnumSet<UriCompliance.Violation> allowed = EnumSet.noneOf(UriCompliance.Violation.class);
        if (config.security().mergeSlashes()) {
            allowed.add(UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT);
        }
        if (!config.security().rejectAmbiguousPaths()) {
            allowed.addAll(EnumSet.of(
                    UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
                    UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                    UriCompliance.Violation.AMBIGUOUS_PATH_PARAMETER,
                    UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
                    UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
        }
        http.setUriCompliance(UriCompliance.from(allowed));
        return http;
    }

    private ServerConnector clearTextConnector(GatewayConfig.Server config, HttpConfiguration http, GatewayConfig.Limits limits) {
        List<ConnectionFactory> factories = new ArrayList<>();
        factories.add(new HeaderTimeoutConnectionFactory(http, limits.headerReadTimeout().toNanos()));
        if (config.http().h2c()) {
            factories.add(configure(new Http2SessionGuard.ClearTextConnectionFactory(http, http2Guard, config.http().h2cUpgrade()), limits));
        }
        // One selector per core: each is the event loop of its client connections and of the
        // upstream connections that serve them, so one selector would hold the proxy to one core.
        LoopConnector connector = new LoopConnector(server, selectorsOrOnePerCore(config.http().selectors()),
                factories.toArray(ConnectionFactory[]::new));
        connector.setLingeringTime(limits.lingeringTime());
        // Writes wait for the end of a selector turn only where the selector thread runs the turn itself.
        connector.setCoalesceWrites(config.reservedThreads() == 0);
        connector.setName("http");
        connector.setHost(config.host());
        connector.setPort(config.http().port());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptQueueSize(4096);
        connector.addBean(connectionStatistics);
        return connector;
    }

    private ServerConnector tlsConnector(GatewayConfig.Server config, HttpConfiguration http, GatewayConfig.Limits limits) {
        KeyStores.Loaded keyStore = KeyStores.load(config.https().keyStore());
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keyStore.keyStore());
        ssl.setKeyStorePassword(keyStore.storePassword());
        ssl.setKeyManagerPassword(keyStore.keyPassword());
        ssl.setIncludeProtocols(config.https().protocols().toArray(String[]::new));
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        ssl.setUseCipherSuitesOrder(true);
        ssl.setSniRequired(false);

        HttpConfiguration https = new HttpConfiguration(http);
        https.setSecureScheme("https");
        https.addCustomizer(new SecureRequestCustomizer(false));

        boolean http2Only = config.https().http2Only();
        ALPNServerConnectionFactory alpn = http2Only
                ? new ALPNServerConnectionFactory("h2")
                : new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol(http2Only ? "h2" : "http/1.1");
        List<ConnectionFactory> factories = new ArrayList<>();
        factories.add(new HandshakeTimeoutSslConnectionFactory(ssl, alpn.getProtocol(), limits.tlsHandshakeTimeout().toNanos()));
        factories.add(alpn);
        factories.add(configure(new Http2SessionGuard.TlsConnectionFactory(https, http2Guard), limits));
        if (!http2Only) {
            factories.add(new HeaderTimeoutConnectionFactory(https, limits.headerReadTimeout().toNanos()));
        }
        // One selector per core: with no reserved threads a selector decrypts, parses and handles its
        // connections itself, and TLS connections are the heavier work (h2: +9 % req/s and a lower
        // p99 than one selector on 2 cores).
        LoopConnector connector = new LoopConnector(server, selectorsOrOnePerCore(config.https().selectors()),
                factories.toArray(ConnectionFactory[]::new));
        connector.setLingeringTime(limits.lingeringTime());
        // Writes wait for the end of a selector turn only where the selector thread runs the turn itself.
        connector.setCoalesceWrites(config.reservedThreads() == 0);
        connector.setName("https");
        connector.setHost(config.host());
        connector.setPort(config.https().port());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptQueueSize(4096);
        connector.addBean(connectionStatistics);
        return connector;
    }

    /** A listener's {@code selectors} setting: 0 is one per core. */
    private static int selectorsOrOnePerCore(int configured) {
        return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    }

    /** HTTP/1.1 in clear text, on its own address: a few requests from operators and scrapers. */
    private ServerConnector managementConnector(GatewayConfig.Management management, HttpConfiguration http) {
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setName("management");
        connector.setHost(management.address());
        connector.setPort(management.port());
        return connector;
    }

    /** Sends the management listener's requests to its handler, the others to the gateway's. */
    private static final class ByListener extends Handler.Abstract {
        private final ServerConnector management;
        private final Handler managementHandler;
        private final Handler gatewayHandler;

        ByListener(ServerConnector management, Handler managementHandler, Handler gatewayHandler) {
            super(InvocationType.NON_BLOCKING);
            this.management = management;
            this.managementHandler = managementHandler;
            this.gatewayHandler = gatewayHandler;
            addBean(managementHandler);
            addBean(gatewayHandler);
        }

        /** The two handlers belong to the server too (else each warns, when started, that it has none). */
        @Override
        public void setServer(Server server) {
            super.setServer(server);
            managementHandler.setServer(server);
            gatewayHandler.setServer(server);
        }

        @Override
        public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                              org.eclipse.jetty.util.Callback callback) throws Exception {
            return request.getConnectionMetaData().getConnector() == management
                    ? managementHandler.handle(request, response, callback)
                    : gatewayHandler.handle(request, response, callback);
        }
    }

    /**
     * Stops accepting on the client listeners while {@code max} connections are open (they wait in
     * the accept queue), rather than running out of file descriptors.
     */
    private void limitConnections(int max) {
        List<ServerConnector> listeners = new ArrayList<>();
        if (httpConnector != null) {
            listeners.add(httpConnector);
        }
        if (httpsConnector != null) {
            listeners.add(httpsConnector);
        }
        if (max > 0 && !listeners.isEmpty()) {
            server.addBean(new NetworkConnectionLimit(max, listeners.toArray(ServerConnector[]::new)));
        }
    }

    private static <F extends AbstractHTTP2ServerConnectionFactory> F configure(F factory, GatewayConfig.Limits limits) {
        factory.setMaxConcurrentStreams(limits.http2MaxConcurrentStreams());
        factory.setRateControlFactory(new WindowRateControl.Factory(limits.http2MaxResetsPerSecond()));
        factory.setInitialStreamRecvWindow(limits.http2InitialStreamWindow());
        factory.setInitialSessionRecvWindow(limits.http2InitialSessionWindow());
        // RFC 8441: WebSocket over HTTP/2 through extended CONNECT.
        factory.setConnectProtocolEnabled(true);
        return factory;
    }

    private static String hostOf(ServerConnector connector) {
        return connector.getHost() == null ? "0.0.0.0" : connector.getHost();
    }
}
