package dev.tollgate.plugin.backendhttp;

import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.testing.TestDiscovery;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The backend follows the service's instances: no instance is a 503 from the registry, and the
 * connections to an instance that left are closed; the pool gauges show on /metrics.
 */
class InstancesTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static ServiceInstance instance(String id, JettyBackend backend) {
        return new ServiceInstance(id, URI.create(backend.url("http")), 1, Map.of());
    }

    private HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void releasesTheConnectionsOfInstancesThatLeave() throws Exception {
        try (JettyBackend first = JettyBackend.clearText(new TestBackendHandler());
             JettyBackend second = JettyBackend.clearText(new TestBackendHandler());
             TestGateway gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                     discovery { test-discovery {} }
                     services { moving { backend = http, discovery = test-discovery } }
                     routes = [ { path = "/**", service = moving } ]
                     """).start()) {
            HttpResponse<String> none = get(gateway, "/describe");
            assertThat(none.statusCode()).isEqualTo(503);
            assertThat(none.body()).contains("\"code\":\"UNAVAILABLE\"", "has no instances");

            TestDiscovery.publish("moving", List.of(instance("first", first)));
            assertThat(get(gateway, "/describe").statusCode()).isEqualTo(200);
            assertThat(first.openConnections()).isEqualTo(1);
            // The connection returns to the pool just after the response went out: await it.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(gateway, "/metrics").body())
                    .containsPattern("tollgate_backend_http_connections\\{service=\"moving\",state=\"idle\"} 1")
                    .containsPattern("tollgate_backend_http_queued_requests\\{service=\"moving\"} 0")
                    .containsPattern("tollgate_backend_http_responses_total\\{service=\"moving\",status=\"2xx\"} 1"));

            TestDiscovery.publish("moving", List.of(instance("second", second)));
            await().atMost(Duration.ofSeconds(10)).until(() -> first.openConnections() == 0);
            assertThat(get(gateway, "/describe").statusCode()).isEqualTo(200);
            assertThat(second.openConnections()).isEqualTo(1);
        }
    }
}
