package dev.tollgate.runtime.upstream;

import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.TlsSettings;
import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestCertificates;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each kind of active probe against a real server: HTTP, gRPC's standard health service, TCP; and
 * HTTP over mutual TLS with the service's TLS settings.
 */
class HealthProberTest {
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private HealthProber prober;

    @BeforeEach
    void start() {
        prober = new HealthProber(scheduler, scheduler);
    }

    @AfterEach
    void stop() {
        prober.close();
        scheduler.shutdownNow();
    }

    private static UpstreamSettings.HealthCheck check(UpstreamSettings.ProbeType type, String grpcService) {
        return new UpstreamSettings.HealthCheck(true, type, "/health", grpcService, Duration.ofSeconds(2), Duration.ofSeconds(2), 1, 1);
    }

    private String verdict(String url, UpstreamSettings.ProbeType type, String grpcService) throws Exception {
        return verdict(url, type, grpcService, TlsSettings.DEFAULT);
    }

    private String verdict(String url, UpstreamSettings.ProbeType type, String grpcService, TlsSettings tls) throws Exception {
        return prober.probe(ServiceInstance.of(URI.create(url)), check(type, grpcService), tls).get(10, TimeUnit.SECONDS);
    }

    private static TlsSettings tls(TestCertificates certificates, boolean withClientCertificate) {
        Optional<TlsSettings.Store> trust = Optional.of(new TlsSettings.Store(certificates.authority(), "PKCS12", TestCertificates.PASSWORD));
        return withClientCertificate
                ? new TlsSettings(trust, false, true, Optional.of(new TlsSettings.Store(certificates.client(), "PKCS12",
                        TestCertificates.PASSWORD)), TestCertificates.PASSWORD)
                : new TlsSettings(trust, false, true, Optional.empty(), "");
    }

    @Test
    void probesAMutualTlsInstanceWithTheServicesTlsSettings(@TempDir Path directory) throws Exception {
        TestCertificates certificates = TestCertificates.generate(directory);
        try (BackendServer backend = BackendServer.startMutualTls("mtls", certificates)) {
            String url = backend.url();
            assertThat(verdict(url, UpstreamSettings.ProbeType.HTTP, "", tls(certificates, true))).isNull();
            assertThat(verdict("wss" + url.substring("https".length()), UpstreamSettings.ProbeType.HTTP, "", tls(certificates, true))).isNull();
            backend.healthStatus(503);
            assertThat(verdict(url, UpstreamSettings.ProbeType.HTTP, "", tls(certificates, true))).isEqualTo("answered 503");
            backend.healthStatus(200);
            // No client certificate: the handshake fails, the instance is not healthy.
            assertThat(verdict(url, UpstreamSettings.ProbeType.HTTP, "", tls(certificates, false))).isNotNull();
            // The JDK's trust store does not know the test authority.
            assertThat(verdict(url, UpstreamSettings.ProbeType.HTTP, "", TlsSettings.DEFAULT)).isNotNull();
        }
    }

    @Test
    void httpProbeAcceptsSuccessAndRefusesErrorsAndRefusedConnections() throws Exception {
        try (BackendServer backend = BackendServer.start("b")) {
            assertThat(verdict(backend.url(), UpstreamSettings.ProbeType.HTTP, "")).isNull();
            backend.healthStatus(503);
            assertThat(verdict(backend.url(), UpstreamSettings.ProbeType.HTTP, "")).isEqualTo("answered 503");
            backend.stop();
            assertThat(verdict(backend.url(), UpstreamSettings.ProbeType.HTTP, "")).containsIgnoringCase("refused");
        }
    }

    @Test
    void grpcProbeUsesTheStandardHealthService() throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(health.getHealthService()).build().start();
        try {
            String url = "grpc://127.0.0.1:" + server.getPort();
            health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
            assertThat(verdict(url, UpstreamSettings.ProbeType.GRPC, "")).isNull();
            health.setStatus("orders", HealthCheckResponse.ServingStatus.NOT_SERVING);
            assertThat(verdict(url, UpstreamSettings.ProbeType.GRPC, "orders")).isEqualTo("serving status 2");
            health.setStatus("orders", HealthCheckResponse.ServingStatus.SERVING);
            assertThat(verdict(url, UpstreamSettings.ProbeType.GRPC, "orders")).isNull();
            assertThat(verdict(url, UpstreamSettings.ProbeType.GRPC, "unknown")).contains("grpc-status 5");
        }
        finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aGrpcInstanceThatStopsProbesDownAndHealthyAgainOnceRestarted() throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(health.getHealthService()).build().start();
        int port = server.getPort();
        String url = "grpc://127.0.0.1:" + port;
        try {
            assertThat(verdict(url, UpstreamSettings.ProbeType.GRPC, "")).isNull();
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            List<String> down = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                down.add(String.valueOf(verdict(url, UpstreamSettings.ProbeType.GRPC, "")));
            }
            assertThat(down).as("probes of a stopped instance").doesNotContain("null");
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).addService(health.getHealthService()).build().start();
            List<String> up = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                up.add(String.valueOf(verdict(url, UpstreamSettings.ProbeType.GRPC, "")));
            }
            assertThat(up).as("probes of the restarted instance").containsOnly("null");
        }
        finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void tcpProbeChecksThatAConnectionOpens() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(verdict("http://127.0.0.1:" + listening.getLocalPort(), UpstreamSettings.ProbeType.TCP, "")).isNull();
        }
        int closedPort;
        try (ServerSocket closed = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = closed.getLocalPort();
        }
        assertThat(verdict("http://127.0.0.1:" + closedPort, UpstreamSettings.ProbeType.TCP, "")).isNotNull();
    }
}
