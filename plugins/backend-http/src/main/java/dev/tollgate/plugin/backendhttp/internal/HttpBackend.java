package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.upstream.InstanceAddress;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.TlsSettings;
import dev.tollgate.api.upstream.Upstream;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.ContinueProtocolHandler;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

import static java.util.Objects.requireNonNull;

/**
 * The backend of one service: a Jetty {@link HttpClient} with its connection pools (one
 * destination per instance address), the service's upstream, and its metrics. Routes to the
 * service get a {@link RouteHandler} each from {@link #forRoute}.
 *
 * <p>The client declares its work non-blocking, so Jetty runs response handling on the selector
 * thread that read the bytes; it forwards bytes as they come (no redirects, cookies, content
 * decoding or authentication of its own) and handles {@code 100 Continue} only. Instances that
 * leave the service (discovery) have their destination removed and, once idle, closed.
 *
 * <p>Thread-safe.
 */
final class HttpBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(HttpBackend.class);

    private final String name;
    private final ServiceSettings settings;
    private final String[] principalHeaderNames;
    private final Upstream upstream;
    private final HttpClient client;
    /** The gateway's own HTTP/1.1 connections: their sockets and selector. */
    private final ClientConnector http1Connector;
    private final Http1Connection.Settings http1Settings;
    private final ServiceMetrics metrics;
    private final ClientResources resources;
    private final Map<URI, InstanceTarget> targets = new ConcurrentHashMap<>();
    private final Subscription watch;
    private volatile boolean closed;

    private HttpBackend(String name, ServiceSettings settings, Upstream upstream, HttpClient client, ClientConnector http1Connector,
                        Metrics metrics, ClientResources resources) {
        this.name = requireNonNull(name, "name is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.principalHeaderNames = settings.principalHeaders().names();
        this.upstream = requireNonNull(upstream, "upstream is null");
        this.client = requireNonNull(client, "client is null");
        this.http1Connector = requireNonNull(http1Connector, "http1Connector is null");
        this.http1Settings = new Http1Connection.Settings(settings.maxResponseHeaderSize(), settings.timeouts().idle().toMillis(),
                resources.scheduler());
        this.metrics = new ServiceMetrics(requireNonNull(metrics, "metrics is null"), name);
        this.resources = requireNonNull(resources, "resources is null");
        ServiceMetrics.registerPoolGauges(metrics, name,
                () -> sumPools(AbstractConnectionPool::getActiveConnectionCount, Http1Pool::activeCount),
                () -> sumPools(AbstractConnectionPool::getIdleConnectionCount, Http1Pool::idleCount),
                this::queuedRequests);
        this.watch = upstream.watch(this::instancesChanged);
    }

    /**
     * Starts the service's client on the plugin's shared resources, with the service's TLS
     * settings ({@link Upstream#tls()}).
     */
    static HttpBackend start(String name, ServiceSettings settings, Upstream upstream, ClientResources resources, Metrics metrics) {
        resources.clientStarted();
        HttpClient client = null;
        ClientConnector http1Connector = null;
        try {
            client = newClient(name, settings, upstream.tls(), resources);
            http1Connector = newHttp1Connector(name, settings, resources);
            return new HttpBackend(name, settings, upstream, client, http1Connector, metrics, resources);
        }
        catch (RuntimeException e) {
            LifeCycle.stop(client);
            LifeCycle.stop(http1Connector);
            resources.clientStopped();
            throw e;
        }
    }

    private static HttpClient newClient(String name, ServiceSettings settings, TlsSettings tls, ClientResources resources) {
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(resources.threads());
        connector.setScheduler(resources.scheduler());
        connector.setByteBufferPool(resources.buffers());
        connector.setSelectors(1);
        connector.setConnectTimeout(settings.timeouts().connect());
        connector.setIdleTimeout(settings.timeouts().idle());
        connector.setSslContextFactory(sslContextFactory(name, tls));

        HTTP2Client http2 = new HTTP2Client(connector);
        http2.setMaxResponseHeadersSize(settings.maxResponseHeaderSize());
        HttpClientTransportDynamic transport = new HttpClientTransportDynamic(connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(http2), HttpClientConnectionFactory.HTTP11);
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        ServiceSettings.Pool pool = settings.pool();
        transport.setConnectionPoolFactory(destination -> new CappedMultiplexConnectionPool(destination,
                pool.maxConnectionsPerInstance(), pool.maxRequestsPerConnection()));

        HttpClient client = new HttpClient(transport);
        client.setName("tollgate-http-backend-" + name);
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.setDefaultRequestContentType(null);
        client.setMaxConnectionsPerDestination(pool.maxConnectionsPerInstance());
        client.setMaxRequestsQueuedPerDestination(pool.maxQueuedRequestsPerInstance());
        client.setMaxResponseHeadersSize(settings.maxResponseHeaderSize());
        client.setConnectTimeout(settings.timeouts().connect().toMillis());
        client.setIdleTimeout(settings.timeouts().idle().toMillis());
        try {
            client.start();
        }
        catch (Exception e) {
            LifeCycle.stop(client);
            throw new IllegalStateException("cannot start the HTTP client of service '" + name + "': " + e.getMessage(), e);
        }
        // A proxy relays what the instance sent: no content decoding, no redirects or
        // authentication of its own; 100 Continue only, so Expect works end to end.
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
        client.getProtocolHandlers().put(new ContinueProtocolHandler());
        return client;
    }

    /**
     * The sockets of the gateway's own HTTP/1.1 connections: one selector on the plugin's shared
     * threads, buffers and scheduler. Connections run their reads on the selector thread (their
     * callbacks are non-blocking), and so does the relay of a response to the client.
     */
    private static ClientConnector newHttp1Connector(String name, ServiceSettings settings, ClientResources resources) {
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(resources.threads());
        connector.setScheduler(resources.scheduler());
        connector.setByteBufferPool(resources.buffers());
        connector.setSelectors(1);
        connector.setConnectTimeout(settings.timeouts().connect());
        connector.setIdleTimeout(settings.timeouts().idle());
        connector.setTCPNoDelay(true);
        try {
            connector.start();
        }
        catch (Exception e) {
            LifeCycle.stop(connector);
            throw new IllegalStateException("cannot start the HTTP/1.1 connector of service '" + name + "': " + e.getMessage(), e);
        }
        return connector;
    }

    /** The service's TLS settings as Jetty's: trust, host name checks, the client certificate (mutual TLS). */
    private static SslContextFactory.Client sslContextFactory(String name, TlsSettings tls) {
        SslContextFactory.Client ssl = new SslContextFactory.Client(tls.trustAll());
        if (tls.trustAll()) {
            LOG.warn("Service '{}' trusts every TLS certificate (tls.trust-all = true): for development only", name);
        }
        if (!tls.verifiesHostname()) {
            ssl.setEndpointIdentificationAlgorithm(null);
        }
        tls.trustStore().ifPresent(store -> {
            ssl.setTrustStorePath(store.path().toString());
            ssl.setTrustStorePassword(store.password());
            ssl.setTrustStoreType(store.type());
        });
        tls.keyStore().ifPresent(store -> {
            ssl.setKeyStorePath(store.path().toString());
            ssl.setKeyStorePassword(store.password());
            ssl.setKeyStoreType(store.type());
            ssl.setKeyManagerPassword(tls.keyPassword());
        });
        return ssl;
    }

    @Override
    public ExchangeHandler forRoute(PluginConfig routeOptions) {
        return new RouteHandler(this, RouteSettings.from(routeOptions, settings));
    }

    /**
     * The destination of an instance, created on first use.
     *
     * @throws GatewayException {@code BAD_GATEWAY} when the instance's address is not one this
     *         backend speaks (a WebSocket instance)
     */
    InstanceTarget target(ServiceInstance instance) {
        InstanceTarget target = targets.get(instance.address());
        return target != null ? target : targets.computeIfAbsent(instance.address(), address -> newTarget(instance));
    }

    private InstanceTarget newTarget(ServiceInstance instance) {
        InstanceAddress address;
        try {
            address = instance.endpoint();
            if (address.scheme().isWebSocket()) {
                throw new IllegalArgumentException("instance address " + instance.address()
                        + ": the http backend takes http://, https://, h2c://, h2://, grpc:// and grpcs://");
            }
        }
        catch (IllegalArgumentException e) {
            throw new GatewayException(ErrorCode.BAD_GATEWAY, "service '" + name + "' has an instance with an unsupported scheme", e);
        }
        boolean secure = address.isSecure();
        Origin.Protocol protocol = switch (settings.protocol()) {
            case AUTO -> address.scheme().isHttp2Only() ? http2(secure)
                    : secure ? new Origin.Protocol(List.of("h2", "http/1.1"), true) : new Origin.Protocol(List.of("http/1.1"), false);
            case HTTP_1_1 -> new Origin.Protocol(List.of("http/1.1"), false);
            case HTTP_2 -> http2(secure);
        };
        String jettyScheme = secure ? "https" : "http";
        Destination destination = client.resolveDestination(new Origin(jettyScheme, new Origin.Address(address.host(), address.port()), null,
                protocol));
        boolean http2Only = protocol.getProtocols().stream().allMatch(name -> name.equals("h2") || name.equals("h2c"));
        boolean http1Only = protocol.getProtocols().equals(List.of("http/1.1"));
        Http1Pool http1 = !secure && http1Only
                ? new Http1Pool(http1Connector, unbracketed(address.host()), address.port(), http1Settings,
                        settings.pool().maxConnectionsPerInstance(), settings.pool().maxQueuedRequestsPerInstance())
                : null;
        return new InstanceTarget(instance.address(), destination, URI.create(jettyScheme + "://" + address.authority()), address.authority(),
                http2Only, http1);
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** HTTP/2 only: ALPN h2 over TLS, prior knowledge in clear text. */
    private static Origin.Protocol http2(boolean secure) {
        return secure ? new Origin.Protocol(List.of("h2"), true) : new Origin.Protocol(List.of("h2c"), false);
    }

    /** Drops the destinations of instances that left; an idle one is closed now, a busy one when its connections idle out. */
    private void instancesChanged(List<ServiceInstance> instances) {
        Set<URI> present = new HashSet<>();
        for (ServiceInstance instance : instances) {
            present.add(instance.address());
        }
        for (InstanceTarget target : List.copyOf(targets.values())) {
            if (!present.contains(target.address()) && targets.remove(target.address(), target)) {
                if (target.http1() != null) {
                    target.http1().close();
                }
                Destination destination = target.destination();
                client.removeDestination(destination);
                if (destination.getConnectionPool() instanceof AbstractConnectionPool pool && pool.getActiveConnectionCount() == 0
                        && destination instanceof HttpDestination httpDestination && httpDestination.getQueuedRequestCount() == 0) {
                    LifeCycle.stop(httpDestination);
                }
                LOG.debug("Service '{}': released the connections to {}, which left", name, target.address());
            }
        }
    }

    private int sumPools(ToIntFunction<AbstractConnectionPool> count, ToIntFunction<Http1Pool> http1Count) {
        int sum = 0;
        for (InstanceTarget target : targets.values()) {
            if (target.destination().getConnectionPool() instanceof AbstractConnectionPool pool) {
                sum += count.applyAsInt(pool);
            }
            if (target.http1() != null) {
                sum += http1Count.applyAsInt(target.http1());
            }
        }
        return sum;
    }

    private int queuedRequests() {
        int sum = 0;
        for (InstanceTarget target : targets.values()) {
            if (target.destination() instanceof HttpDestination destination) {
                sum += destination.getQueuedRequestCount();
            }
            if (target.http1() != null) {
                sum += target.http1().queuedCount();
            }
        }
        return sum;
    }

    @Override
    public void close() {
        closed = true;
        try {
            watch.close();
            for (InstanceTarget target : targets.values()) {
                if (target.http1() != null) {
                    target.http1().close();
                }
            }
            LifeCycle.stop(client);
            LifeCycle.stop(http1Connector);
            targets.clear();
        }
        finally {
            resources.clientStopped();
        }
    }

    // --- for the request path

    String name() {
        return name;
    }

    /** Whether the backend was closed (the configuration was replaced or the gateway stops). */
    boolean isClosed() {
        return closed;
    }

    Upstream upstream() {
        return upstream;
    }

    HttpClient client() {
        return client;
    }

    ServiceMetrics metrics() {
        return metrics;
    }

    /** The headers that carry the principal to the instances. */
    PrincipalHeaders principalHeaders() {
        return settings.principalHeaders();
    }

    /** The names of {@link #principalHeaders()}, which no request may bring along itself (not to be changed). */
    String[] principalHeaderNames() {
        return principalHeaderNames;
    }

    long idleTimeoutMillis() {
        return settings.timeouts().idle().toMillis();
    }

    @Override
    public String toString() {
        return "HttpBackend[" + name + "]";
    }
}
