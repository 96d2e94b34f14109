package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.ReloadResult;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The http backend across configuration reloads: a service whose configuration did not change
 * keeps its backend and its connection pool (the same connection carries the next request); a
 * changed one gets a new backend, and the old one's connections close once it has drained. And
 * filters that replace a proxied body keep its framing right.
 */
class ReloadTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private String get(TestGateway gateway, String path) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static String config(JettyBackend kept, String keptOptions, JettyBackend other) {
        return """
                services {
                  kept { backend = http, instances = ["%s"] %s }
                  other { backend = http, instances = ["%s"] }
                }
                routes = [ { path = "/kept/**", service = { name = kept, strip-prefix = "/kept" } },
                           { path = "/other/**", service = { name = other, strip-prefix = "/other" } } ]
                """.formatted(kept.url("http"), keptOptions, other.url("http"));
    }

    @Test
    void unchangedServicesKeepTheirConnectionsAndChangedOnesCloseTheOldOnes() throws Exception {
        try (JettyBackend kept = JettyBackend.clearText(new TestBackendHandler());
             JettyBackend first = JettyBackend.clearText(new TestBackendHandler());
             JettyBackend second = JettyBackend.clearText(new TestBackendHandler());
             TestGateway gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin())
                     .config(config(kept, "", first)).start()) {
            String port = get(gateway, "/kept/port");
            get(gateway, "/other/port");
            assertThat(kept.openConnections()).isEqualTo(1);

            // Another service's instances change and a route is added: "kept" is untouched.
            ReloadResult result = gateway.reload(config(kept, "", second));
            assertThat(result.applied()).as(result.message()).isTrue();
            assertThat(get(gateway, "/kept/port")).as("the same pooled connection").isEqualTo(port);
            assertThat(get(gateway, "/other/describe")).isNotEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> first.openConnections() == 0 && second.openConnections() == 1);

            // "kept" itself changes: a new backend with a pool of its own; the old one drains and closes.
            result = gateway.reload(config(kept, ", timeouts.response = 20s", second));
            assertThat(result.applied()).isTrue();
            assertThat(get(gateway, "/kept/port")).as("a new connection").isNotEqualTo(port);
            await().atMost(Duration.ofSeconds(10)).until(() -> kept.openConnections() == 1);
        }
    }

    @Test
    void aReplacedProxiedBodyDropsTheBackendsLengthAndASizedOneKeepsItRight() throws Exception {
        try (JettyBackend backend = JettyBackend.clearText(new TestBackendHandler());
             TestGateway gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                     services { svc { backend = http, instances = ["%s"] } }
                     routes = [
                       { path = "/streamed/**", service = { name = svc, strip-prefix = "/streamed" }, filters = [ { type = test-body, mode = upper-streamed } ] }
                       { path = "/sized/**", service = { name = svc, strip-prefix = "/sized" }, filters = [ { type = test-body, mode = upper-sized } ] }
                       { path = "/plain/**", service = { name = svc, strip-prefix = "/plain" } }
                     ]
                     """.formatted(backend.url("http"))).start();
             RawHttp raw = new RawHttp(gateway.gateway().httpPort())) {
            raw.send("GET /plain/describe HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response plain = raw.read();
            assertThat(plain.headers()).containsEntry("content-length", Integer.toString(plain.body().length()));

            raw.send("GET /streamed/describe HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response streamed = raw.read();
            assertThat(streamed.headers()).doesNotContainKey("content-length").containsEntry("transfer-encoding", "chunked");
            assertThat(streamed.body()).startsWith("PROTOCOL=HTTP/1.1");

            raw.send("GET /sized/describe HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawHttp.Response sized = raw.read();
            assertThat(sized.headers()).containsEntry("content-length", Integer.toString(sized.body().length()));
            assertThat(sized.body()).startsWith("PROTOCOL=HTTP/1.1");
        }
    }
}
