package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestCertificates;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One {@code tls} block of a service serves its traffic and its health probes: an instance that
 * requires a client certificate is probed healthy and proxied to with the service's key store,
 * and is down (and answered 503) for a service without one.
 */
class MutualTlsTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theServicesTlsSettingsReachAMutualTlsInstanceForProbesAndTraffic(@TempDir Path directory) throws Exception {
        TestCertificates certificates = TestCertificates.generate(directory.resolve("pki"));
        String trust = "trust-store { path = \"%s\", password = \"%s\" }".formatted(certificates.authority(), TestCertificates.PASSWORD);
        String probes = "health-check { enabled = true, interval = 100ms, timeout = 100ms, healthy-threshold = 1, unhealthy-threshold = 1 }";
        try (BackendServer instance = BackendServer.startMutualTls("mtls-instance", certificates);
             TestGateway gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                     services {
                       with-certificate { backend = http, instances = ["%s"], %s,
                         tls { %s, key-store { path = "%s", password = "%s" } } }
                       without-certificate { backend = http, instances = ["%s"], %s, tls { %s } }
                     }
                     routes = [
                       { path = "/with/**", service = { name = with-certificate, strip-prefix = "/with" } }
                       { path = "/without/**", service = { name = without-certificate, strip-prefix = "/without" } }
                     ]
                     """.formatted(instance.url(), probes, trust, certificates.client(), TestCertificates.PASSWORD,
                     instance.url(), probes, trust)).start()) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(gateway, "/health").body())
                    .contains("\"upstream.with-certificate\":{\"status\":\"UP\"")
                    .contains("\"upstream.without-certificate\":{\"status\":\"DOWN\""));

            HttpResponse<String> proxied = get(gateway, "/with/anything");
            assertThat(proxied.statusCode()).isEqualTo(200);
            assertThat(proxied.body()).isEqualTo("mtls-instance");

            HttpResponse<String> refused = get(gateway, "/without/anything");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("\"code\":\"UNAVAILABLE\"", "no available instance of service 'without-certificate'");
            assertThat(instance.requests()).isEqualTo(1);
        }
    }
}
