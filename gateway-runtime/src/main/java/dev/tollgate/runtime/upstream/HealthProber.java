package dev.tollgate.runtime.upstream;

import dev.tollgate.api.upstream.InstanceAddress;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.TlsSettings;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Active health checks: every interval, each instance of a service that enables them is probed,
 * asynchronously, and {@link InstanceState#recordProbe} turns the results into its health after
 * the configured number of agreeing probes.
 *
 * <ul>
 *   <li>{@code http}: {@code GET path}; 2xx and 3xx are healthy. {@code h2c://}, {@code grpc://},
 *       {@code h2://} and {@code grpcs://} instances are probed over HTTP/2 only, {@code https://}
 *       and {@code wss://} with ALPN.</li>
 *   <li>{@code grpc}: the standard {@code grpc.health.v1.Health/Check} call; a {@code SERVING}
 *       answer with {@code grpc-status: 0} is healthy.</li>
 *   <li>{@code tcp}: a connection opens.</li>
 * </ul>
 *
 * <p>Addresses are read with the one parser every backend uses
 * ({@link ServiceInstance#endpoint()}). TLS instances are probed with the service's own
 * {@link TlsSettings} — its trust store, host name checks and client certificate — so that a probe
 * reaches an instance the way the backend's traffic does (a mutual-TLS instance answers it; an
 * instance whose certificate traffic would refuse is down). One client per distinct TLS settings,
 * built when the service starts; all of them share one small pool and one selector each, so probes
 * never compete with the request path.
 */
final class HealthProber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthProber.class);
    /** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
    private static final int GRPC_SERVING = 1;
    /** Pool threads besides one selector per client. */
    private static final int THREADS = 8;

    private final QueuedThreadPool threads;
    private final ScheduledExecutorScheduler timeouts;
    private final Map<TlsSettings, HttpClient> clients = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private final List<ScheduledFuture<?>> rounds = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param blockingExecutor resolves host names for TCP probes
     */
    HealthProber(ScheduledExecutorService scheduler, Executor blockingExecutor) {
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.blockingExecutor = requireNonNull(blockingExecutor, "blockingExecutor is null");
        threads = new QueuedThreadPool(THREADS, 2);
        threads.setName("gateway-health-probes");
        threads.setDaemon(true);
        timeouts = new ScheduledExecutorScheduler("gateway-health-probes-timeouts", true);
        try {
            threads.start();
            timeouts.start();
        }
        catch (Exception e) {
            LifeCycle.stop(threads);
            LifeCycle.stop(timeouts);
            throw new IllegalStateException("cannot start the health probe threads", e);
        }
    }

    /** The client for instances reached with these TLS settings, started on first use. */
    private HttpClient client(TlsSettings tls) {
        HttpClient client = clients.get(tls);
        return client != null ? client : clients.computeIfAbsent(tls, this::newClient);
    }

    private HttpClient newClient(TlsSettings tls) {
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        connector.setExecutor(threads);
        connector.setScheduler(timeouts);
        connector.setSslContextFactory(sslContextFactory(tls));
        HTTP2Client http2 = new HTTP2Client(connector);
        HttpClient client = new HttpClient(new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11,
                new ClientConnectionFactoryOverHTTP2.HTTP2(http2)));
        client.setExecutor(threads);
        client.setScheduler(timeouts);
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.setMaxConnectionsPerDestination(2);
        // Each client's selector holds a pool thread for good.
        threads.setMaxThreads(THREADS + clients.size() + 1);
        try {
            client.start();
        }
        catch (Exception e) {
            LifeCycle.stop(client);
            throw new IllegalStateException("cannot start the health probe client for " + tls + ": " + e.getMessage(), e);
        }
        return client;
    }

    /** The service's TLS settings as Jetty's: trust, host name checks, the client certificate. */
    private static SslContextFactory.Client sslContextFactory(TlsSettings tls) {
        SslContextFactory.Client ssl = new SslContextFactory.Client(tls.trustAll());
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

    /**
     * Probes the service's members every interval until the returned future is cancelled or the
     * prober closed. Builds the service's client now, on the caller's thread (loading key stores is
     * blocking work).
     */
    ScheduledFuture<?> start(ServiceUpstream service) {
        UpstreamSettings.HealthCheck check = service.settings().healthCheck();
        TlsSettings tls = service.tls();
        client(tls);
        long interval = check.interval().toMillis();
        Set<InstanceState> probing = ConcurrentHashMap.newKeySet();
        ScheduledFuture<?> round = scheduler.scheduleWithFixedDelay(() -> probeAll(service, check, tls, probing), 0, interval,
                TimeUnit.MILLISECONDS);
        rounds.add(round);
        return round;
    }

    /**
     * Probes each member whose previous probe has ended: a probe that takes longer than the interval
     * is not overlapped by the next, whose verdicts could arrive out of order and make the state flap.
     */
    private void probeAll(ServiceUpstream service, UpstreamSettings.HealthCheck check, TlsSettings tls, Set<InstanceState> probing) {
        for (InstanceState member : service.members()) {
            if (!probing.add(member)) {
                continue;
            }
            probe(member.instance(), check, tls).whenComplete((problem, failure) -> {
                probing.remove(member);
                String reason = failure != null ? failure.toString() : problem;
                boolean success = reason == null;
                if (member.recordProbe(success, check)) {
                    if (success) {
                        LOG.info("Service {}: instance {} is healthy again", service.name(), member.id());
                    }
                    else {
                        LOG.warn("Service {}: instance {} is down after {} failed {} probes: {}", service.name(), member.id(),
                                check.unhealthyThreshold(), check.type().name().toLowerCase(Locale.ROOT), reason);
                    }
                }
            });
        }
    }

    /**
     * Completes with null when the instance is healthy, or with the reason it is not; never exceptionally.
     *
     * @param tls how to reach a TLS instance: the service's settings
     */
    CompletableFuture<String> probe(ServiceInstance instance, UpstreamSettings.HealthCheck check, TlsSettings tls) {
        try {
            InstanceAddress address = instance.endpoint();
            return switch (check.type()) {
                case HTTP -> httpProbe(address, check, tls);
                case GRPC -> grpcProbe(address, check, tls);
                case TCP -> tcpProbe(address, check);
            };
        }
        catch (RuntimeException e) {
            return CompletableFuture.completedFuture(e.toString());
        }
    }

    private CompletableFuture<String> httpProbe(InstanceAddress address, UpstreamSettings.HealthCheck check, TlsSettings tls) {
        CompletableFuture<String> result = new CompletableFuture<>();
        request(address, check, tls).method(HttpMethod.GET).path(check.path()).send(outcome -> {
            if (outcome.isFailed()) {
                result.complete(reason(outcome.getFailure()));
                return;
            }
            int status = outcome.getResponse().getStatus();
            result.complete(status >= 200 && status < 400 ? null : "answered " + status);
        });
        return result;
    }

    private CompletableFuture<String> grpcProbe(InstanceAddress address, UpstreamSettings.HealthCheck check, TlsSettings tls) {
        byte[] service = check.grpcService().getBytes(StandardCharsets.UTF_8);
        // A length-prefixed message: HealthCheckRequest { string service = 1; }
        byte[] message = service.length == 0 ? new byte[0] : concat(new byte[] {0x0A}, varint(service.length), service);
        byte[] frame = concat(new byte[] {0}, intBytes(message.length), message);
        CompletableFuture<String> result = new CompletableFuture<>();
        request(address, check, tls)
                .method(HttpMethod.POST)
                .path("/grpc.health.v1.Health/Check")
                .version(HttpVersion.HTTP_2)
                .headers(headers -> headers.put("te", "trailers"))
                .body(new BytesRequestContent("application/grpc", frame))
                .send(new BufferingResponseListener(64 * 1024) {
                    @Override
                    public void onComplete(Result outcome) {
                        if (outcome.isFailed()) {
                            result.complete(reason(outcome.getFailure()));
                            return;
                        }
                        HttpFields trailers = outcome.getResponse().getTrailers();
                        String grpcStatus = trailers != null && trailers.get("grpc-status") != null
                                ? trailers.get("grpc-status") : outcome.getResponse().getHeaders().get("grpc-status");
                        if (outcome.getResponse().getStatus() != 200 || !"0".equals(grpcStatus)) {
                            result.complete("answered HTTP " + outcome.getResponse().getStatus() + ", grpc-status " + grpcStatus);
                            return;
                        }
                        int status = servingStatus(getContent());
                        result.complete(status == GRPC_SERVING ? null : "serving status " + status);
                    }
                });
        return result;
    }

    private CompletableFuture<String> tcpProbe(InstanceAddress address, UpstreamSettings.HealthCheck check) {
        CompletableFuture<String> result = new CompletableFuture<>();
        blockingExecutor.execute(() -> {
            AsynchronousSocketChannel channel;
            InetSocketAddress target;
            try {
                target = new InetSocketAddress(address.host(), address.port());
                if (target.isUnresolved()) {
                    result.complete("cannot resolve " + address.host());
                    return;
                }
                channel = AsynchronousSocketChannel.open();
            }
            catch (IOException | RuntimeException e) {
                result.complete(e.toString());
                return;
            }
            ScheduledFuture<?> timeout = scheduler.schedule(() -> {
                if (result.complete("no connection within " + check.timeout().toMillis() + " ms")) {
                    closeQuietly(channel);
                }
            }, check.timeout().toMillis(), TimeUnit.MILLISECONDS);
            channel.connect(target, null, new CompletionHandler<Void, Void>() {
                @Override
                public void completed(Void ignored, Void attachment) {
                    timeout.cancel(false);
                    result.complete(null);
                    closeQuietly(channel);
                }

                @Override
                public void failed(Throwable failure, Void attachment) {
                    timeout.cancel(false);
                    result.complete(reason(failure));
                    closeQuietly(channel);
                }
            });
        });
        return result;
    }

    private Request request(InstanceAddress address, UpstreamSettings.HealthCheck check, TlsSettings tls) {
        Request request = client(tls).newRequest((address.isSecure() ? "https" : "http") + "://" + address.authority())
                .timeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .idleTimeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS);
        if (address.scheme().isHttp2Only()) {
            request.version(HttpVersion.HTTP_2);
        }
        return request;
    }

    /** The {@code status} field (1) of a length-prefixed HealthCheckResponse; -1 when absent or malformed. */
    static int servingStatus(byte[] frame) {
        if (frame.length < 5 || frame[0] != 0) {
            return -1;
        }
        int length = ((frame[1] & 0xff) << 24) | ((frame[2] & 0xff) << 16) | ((frame[3] & 0xff) << 8) | (frame[4] & 0xff);
        if (length < 0 || 5 + length > frame.length) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        // Field 1 (status), varint: tag 0x08; the enum's values fit one byte.
        return length >= 2 && frame[5] == 0x08 ? frame[6] & 0x7f : -1;
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static byte[] varint(int value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(5);
        int remaining = value;
        while ((remaining & ~0x7f) != 0) {
            out.write((remaining & 0x7f) | 0x80);
            remaining >>>= 7;
        }
        out.write(remaining);
        return out.toByteArray();
    }

    private static byte[] intBytes(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] result = new byte[length];
        int offset = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, result, offset, part.length);
            offset += part.length;
        }
        return result;
    }

    private static void closeQuietly(AsynchronousSocketChannel channel) {
        try {
            channel.close();
        }
        catch (IOException e) {
            LOG.debug("Closing a probe connection failed", e);
        }
    }

    @Override
    public void close() {
        rounds.forEach(round -> round.cancel(false));
        rounds.clear();
        for (HttpClient client : clients.values()) {
            try {
                client.stop();
            }
            catch (Exception e) {
                LOG.warn("Stopping a health probe client failed", e);
            }
        }
        clients.clear();
        LifeCycle.stop(threads);
        LifeCycle.stop(timeouts);
    }

}
