package dev.tollgate.plugin.example;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plugin inside a running gateway, over real sockets. */
class ExamplePluginGatewayTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void echoesThroughTheFilterChain() throws Exception {
        try (TestGateway gateway = TestGateway.builder()
                .plugin("example", new ExamplePlugin())
                .config("""
                        routes = [ {
                          path = "/echo/{id}/**"
                          endpoint = { name = echo, include-headers = true }
                          filters = [ { name = response-headers, set { X-Frame-Options = DENY }, add { Cache-Control = no-store } } ]
                        } ]
                        """)
                .start()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/echo/7/a/b?q=1"))
                    .header("X-Custom", "yes").POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(response.body())
                    .contains("\"method\":\"POST\"", "\"path\":\"/echo/7/a/b\"", "\"query\":\"q=1\"", "\"body\":\"hello\"",
                            "\"id\":\"7\"", "\"**\":\"a/b\"", "\"X-Custom\":\"yes\"");
        }
    }

    @Test
    void misspelledFilterSettingStopsStartupNamingTheKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("example", new ExamplePlugin())
                .config("""
                        routes = [ { path = "/x", endpoint = echo, filters = [ { name = response-headers, remvoe = [ Server ] } ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].remvoe")
                .hasMessageContaining("did you mean 'remove'");
    }
}
