package dev.tollgate.runtime.plugin;

import dev.tollgate.api.ApiVersion;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime side of API compatibility (the build side is japicmp in gateway-api): a plugin jar
 * compiled against the released SPI 1.1 and committed as a binary
 * ({@code src/test/compat-plugin-1.1}, rebuilt only by its {@code build.sh}) loads from
 * {@code plugins.d} and serves through a running gateway, whatever the current API minor is.
 */
class ReleasedApiPluginTest {
    private static final String JAR = "gateway-plugin-compat-1.1-1.0.0.jar";

    private final HttpClient client = HttpClient.newHttpClient();

    @TempDir
    Path home;

    @Test
    void aPluginBuiltAgainstApi11LoadsAndItsFilterAndEndpointServe() throws Exception {
        Files.createDirectories(home.resolve("plugins.d"));
        try (InputStream jar = getClass().getResourceAsStream("/compat/" + JAR)) {
            assertThat(jar).as("test resource compat/" + JAR).isNotNull();
            Files.copy(jar, home.resolve("plugins.d").resolve(JAR));
        }
        try (TestGateway gateway = TestGateway.builder().home(home).config("""
                plugins.compat.greeting = "Hi"
                routes = [
                  { id = greeting, path = "/compat", endpoint = { name = compat-greeting, who = "old friend" },
                    filters = [ { name = compat-header, header = X-Built-Against, value = "API 1.1" } ] }
                  { id = echo, path = "/echo", endpoint = test-echo, filters = [ compat-header ] }
                ]
                """).start()) {
            LoadedPlugin plugin = gateway.gateway().plugins().stream()
                    .filter(loaded -> loaded.source().equals(JAR)).findFirst().orElseThrow();
            assertThat(plugin.status()).as(plugin.summary()).isEqualTo(LoadedPlugin.Status.LOADED);
            assertThat(plugin.id()).isEqualTo("compat");
            assertThat(plugin.descriptor()).hasValueSatisfying(descriptor -> {
                assertThat(descriptor.version()).isEqualTo("1.0.0");
                assertThat(descriptor.apiVersion()).isEqualTo(new ApiVersion(1, 1));
            });
            assertThat(plugin.summary()).isEqualTo("compat 1.0.0 (API 1.1) from " + JAR + ": loaded");

            // The endpoint reads the plugin-wide settings and its route's block; the filter its own.
            HttpResponse<String> first = get(gateway, "/compat");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
            assertThat(first.headers().firstValue("X-Built-Against")).hasValue("API 1.1");
            assertThat(first.body()).isEqualTo("Hi, old friend, from plugin compat (request 1)\n");
            assertThat(get(gateway, "/compat").body()).isEqualTo("Hi, old friend, from plugin compat (request 2)\n");

            // Its filter with the defaults of its reference.conf, in front of another plugin's endpoint.
            HttpResponse<String> echo = get(gateway, "/echo");
            assertThat(echo.statusCode()).isEqualTo(200);
            assertThat(echo.headers().firstValue("X-Compat")).hasValue("1.1");

            // Its counters, through PluginContext.metrics(), are exported under its id.
            assertThat(get(gateway, "/metrics").body())
                    .contains("tollgate_compat_served_total 2.0\n", "tollgate_compat_filtered_total 3.0\n");
        }
    }

    private HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
