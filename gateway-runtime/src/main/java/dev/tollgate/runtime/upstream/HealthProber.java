package dev.tollgate.runtime.upstream;

import dev.tollgate.api.upstream.ServiceInstance;
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
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
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
 *   <li>{@code http}: {@code GET path}; 2xx and 3xx are healthy. {@code h2c://} and {@code grpc://}
 *       instances are probed over HTTP/2 in clear text, {@code https://} with ALPN.</li>
 *   <li>{@code grpc}: the standard {@code grpc.health.v1.Health/Check} call; a {@code SERVING}
 *       answer with {@code grpc-status: 0} is healthy.</li>
 *   <li>{@code tcp}: a connection opens.</li>
 * </ul>
 *
 * <p>Like Kubernetes' HTTPS probes, probes do not verify the instance's certificate: they carry
 * no credentials and only ask whether the instance answers. The probing client has one selector
 * and a small pool of its own, so probes never compete with the request path.
 */
final class HealthProber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthProber.class);
    /** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
    private static final int GRPC_SERVING = 1;

    private final HttpClient client;
    private final ScheduledExecutorService scheduler;
    private final Executor blockingExecutor;
    private final List<ScheduledFuture<?>> rounds = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param blockingExecutor resolves host names for TCP probes
     */
    HealthProber(ScheduledExecutorService scheduler, Executor blockingExecutor) {
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.blockingExecutor = requireNonNull(blockingExecutor, "blockingExecutor is null");
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("gateway-health-probes");
        threads.setDaemon(true);
        connector.setExecutor(threads);
        HTTP2Client http2 = new HTTP2Client(connector);
        client = new HttpClient(new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11,
                new ClientConnectionFactoryOverHTTP2.HTTP2(http2)));
        client.setExecutor(threads);
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.setMaxConnectionsPerDestination(2);
        try {
            client.start();
        }
        catch (Exception e) {
            throw new IllegalStateException("cannot start the health probe client", e);
        }
    }

    /** Probes the service's members every interval until the returned future is cancelled or the prober closed. */
    ScheduledFuture<?> start(ServiceUpstream service) {
        UpstreamSettings.HealthCheck check = service.settings().healthCheck();
        long interval = check.interval().toMillis();
        ScheduledFuture<?> round = scheduler.scheduleWithFixedDelay(() -> probeAll(service, check), 0, interval, TimeUnit.MILLISECONDS);
        rounds.add(round);
        return round;
    }

    private void probeAll(ServiceUpstream service, UpstreamSettings.HealthCheck check) {
        for (InstanceState member : service.members()) {
            probe(member.instance(), check).whenComplete((problem, failure) -> {
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

    /** Completes with null when the instance is healthy, or with the reason it is not; never exceptionally. */
    CompletableFuture<String> probe(ServiceInstance instance, UpstreamSettings.HealthCheck check) {
        try {
            return switch (check.type()) {
                case HTTP -> httpProbe(instance, check);
                case GRPC -> grpcProbe(instance, check);
                case TCP -> tcpProbe(instance, check);
            };
        }
        catch (RuntimeException e) {
            return CompletableFuture.completedFuture(e.toString());
        }
    }

    private CompletableFuture<String> httpProbe(ServiceInstance instance, UpstreamSettings.HealthCheck check) {
        CompletableFuture<String> result = new CompletableFuture<>();
        request(instance, check).method(HttpMethod.GET).path(check.path()).send(outcome -> {
            if (outcome.isFailed()) {
                result.complete(reason(outcome.getFailure()));
                return;
            }
            int status = outcome.getResponse().getStatus();
            result.complete(status >= 200 && status < 400 ? null : "answered " + status);
        });
        return result;
    }

    private CompletableFuture<String> grpcProbe(ServiceInstance instance, UpstreamSettings.HealthCheck check) {
        byte[] service = check.grpcService().getBytes(StandardCharsets.UTF_8);
        // A length-prefixed message: HealthCheckRequest { string service = 1; }
        byte[] message = service.length == 0 ? new byte[0] : concat(new byte[] {0x0A}, varint(service.length), service);
        byte[] frame = concat(new byte[] {0}, intBytes(message.length), message);
        CompletableFuture<String> result = new CompletableFuture<>();
        request(instance, check)
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

    private CompletableFuture<String> tcpProbe(ServiceInstance instance, UpstreamSettings.HealthCheck check) {
        CompletableFuture<String> result = new CompletableFuture<>();
        URI address = instance.address();
        int port = port(address);
        blockingExecutor.execute(() -> {
            AsynchronousSocketChannel channel;
            InetSocketAddress target;
            try {
                target = new InetSocketAddress(address.getHost(), port);
                if (target.isUnresolved()) {
                    result.complete("cannot resolve " + address.getHost());
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

    private Request request(ServiceInstance instance, UpstreamSettings.HealthCheck check) {
        URI address = instance.address();
        String scheme = address.getScheme().toLowerCase(Locale.ROOT);
        boolean secure = scheme.equals("https") || scheme.equals("grpcs") || scheme.equals("wss") || scheme.equals("h2");
        boolean clearHttp2 = scheme.equals("h2c") || scheme.equals("grpc");
        Request request = client.newRequest((secure ? "https" : "http") + "://" + address.getHost() + ":" + port(address))
                .timeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .idleTimeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS);
        if (clearHttp2) {
            request.version(HttpVersion.HTTP_2);
        }
        return request;
    }

    private static int port(URI address) {
        if (address.getPort() > 0) {
            return address.getPort();
        }
        return switch (address.getScheme().toLowerCase(Locale.ROOT)) {
            case "https", "wss", "h2", "grpcs" -> 443;
            default -> 80;
        };
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
        try {
            client.stop();
        }
        catch (Exception e) {
            LOG.warn("Stopping the health probe client failed", e);
        }
    }

}
