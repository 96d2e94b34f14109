package dev.tollgate.runtime.system;

import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.server.Handler;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class SystemEndpointsTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> send(TestGateway gateway, String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthLivenessReadinessAndPrometheusMetrics() throws Exception {
        try (TestGateway gateway = TestGateway.start("routes = [ { id = echo, path = \"/echo\", endpoint = test-echo } ]")) {
            HttpResponse<String> health = send(gateway, "GET", "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(health.body()).startsWith("{\"status\":\"UP\",\"ready\":true,\"components\":{")
                    .contains("\"events\":{\"status\":\"UP\"", "\"server\":{\"status\":\"UP\"");
            assertThat(send(gateway, "GET", "/health/live").body()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(send(gateway, "GET", "/health/ready").statusCode()).isEqualTo(200);

            assertThat(send(gateway, "GET", "/echo").statusCode()).isEqualTo(200);
            assertThat(send(gateway, "GET", "/nowhere").statusCode()).isEqualTo(404);
            HttpResponse<String> metrics = send(gateway, "GET", "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
            assertThat(metrics.body())
                    .contains("# TYPE tollgate_http_request_seconds summary")
                    .contains("tollgate_http_request_seconds_count{route=\"echo\",status=\"2xx\"} 1")
                    .contains("tollgate_server_connections")
                    .contains("jvm_memory_heap_used")
                    .contains("tollgate_websocket_sessions");

            HttpResponse<String> post = send(gateway, "POST", "/health");
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.body()).contains("\"code\":\"METHOD_NOT_ALLOWED\"");
            assertThat(send(gateway, "HEAD", "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void pathsAreConfigurable() throws Exception {
        try (TestGateway gateway = TestGateway.start("system { health-path = \"/_/health\", metrics-path = \"/_/metrics\" }")) {
            assertThat(send(gateway, "GET", "/_/health/ready").statusCode()).isEqualTo(200);
            assertThat(send(gateway, "GET", "/_/metrics").body()).contains("jvm_");
            assertThat(send(gateway, "GET", "/health").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void byDefaultThePublicListenersSayTheStatusOnlyAndTheManagementListenerTheRest() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                system.public { health-details = false, metrics = false }
                services { hidden { backend = test-upstream, instances = ["http://10.11.12.13:9000"] } }
                """)) {
            HttpResponse<String> health = send(gateway, "GET", "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"UP\",\"ready\":true}").doesNotContain("10.11.12.13");
            HttpResponse<String> metrics = send(gateway, "GET", "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(404);
            assertThat(metrics.body()).contains("management listener");

            HttpResponse<String> details = client.send(HttpRequest.newBuilder(gateway.management("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(details.statusCode()).isEqualTo(200);
            assertThat(details.body()).contains("\"components\"", "upstream.hidden", "10.11.12.13");
            HttpResponse<String> scraped = client.send(HttpRequest.newBuilder(gateway.management("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scraped.body()).contains("jvm_memory_heap_used");
            HttpResponse<String> other = client.send(HttpRequest.newBuilder(gateway.management("/api/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).as("the management listener serves nothing else").isEqualTo(404);
        }
    }

    @Test
    void theManagementListenerListensOnItsAddressOnly() throws Exception {
        try (CapturedLogs jetty = new CapturedLogs(Handler.Abstract.class);
             TestGateway gateway = TestGateway.start("")) {
            assertThat(gateway.gateway().managementPort()).isPositive().isNotEqualTo(gateway.gateway().httpPort());
            assertThat(gateway.gateway().config().server().management().address()).isEqualTo("127.0.0.1");
            assertThat(jetty.warnings()).as("both listeners' handlers belong to the server").isEmpty();
        }
        try (TestGateway gateway = TestGateway.start("server.management.enabled = false")) {
            assertThat(gateway.gateway().managementPort()).isEqualTo(-1);
        }
    }
}
