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
    private final ServiceMetrics metrics;
    private final ClientResources resources;
    private final Map<URI, InstanceTarget> targets = new ConcurrentHashMap<>();
    private final Subscription watch;
    private volatile boolean closed;

    private HttpBackend(String name, ServiceSettings settings, Upstream upstream, HttpClient client, Metrics metrics,
                        ClientResources resources) {
        this.name = requireNonNull(name, "name is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.principalHeaderNames = settings.principalHeaders().names();
        this.upstream = requireNonNull(upstream, "upstream is null");
        this.client = requireNonNull(client, "client is null");
        this.metrics = new ServiceMetrics(requireNonNull(metrics, "metrics is null"), name);
        this.resources = requireNonNull(resources, "resources is null");
        ServiceMetrics.registerPoolGauges(metrics, name,
                () -> sumPools(AbstractConnectionPool::getActiveConnectionCount),
                () -> sumPools(AbstractConnectionPool::getIdleConnectionCount),
                this::queuedRequests);
        this.watch = upstream.watch(this::instancesChanged);
    }

    /**
     * Starts the service's client on the plugin's shared resources, with the service's TLS
     * settings ({@link Upstream#tls()}).
     */
    static HttpBackend start(String name, ServiceSettings settings, Upstream upstream, ClientResources resources, Metrics metrics) {
        resources.clientStarted();
        HttpClient client;
        try {
            client = newClient(name, settings, upstream.tls(), resources);
        }
        catch (RuntimeException e) {
            resources.clientStopped();
            throw e;
        }
        try {
            return new HttpBackend(name, settings, upstream, client, metrics, resources);
        }
        catch (RuntimeException e) {
            LifeCycle.stop(client);
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
        return new InstanceTarget(instance.address(), destination, URI.create(jettyScheme + "://" + address.authority()), address.authority(),
                http2Only);
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

    private int sumPools(ToIntFunction<AbstractConnectionPool> count) {
        int sum = 0;
        for (InstanceTarget target : targets.values()) {
            if (target.destination().getConnectionPool() instanceof AbstractConnectionPool pool) {
                sum += count.applyAsInt(pool);
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
        }
        return sum;
    }

    @Override
    public void close() {
        closed = true;
        try {
            watch.close();
            LifeCycle.stop(client);
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
