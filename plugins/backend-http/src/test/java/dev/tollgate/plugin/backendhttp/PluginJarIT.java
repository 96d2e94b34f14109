package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged plugin jar as the gateway runs it: found in plugins.d and loaded in its own class
 * loader with its shaded Jetty client, proxying to an h2 (TLS, ALPN) and an h2c instance. Run by
 * failsafe after packaging (the tag keeps surefire away from it).
 */
@Tag("packaged-jar")
class PluginJarIT {
    @TempDir
    Path home;

    @Test
    void theShadedJarProxiesFromItsOwnClassLoader() throws Exception {
        Path jar = Path.of(System.getProperty("plugin.jar"));
        assertThat(jar).as("the packaged plugin").isRegularFile();
        Files.createDirectories(home.resolve("plugins.d"));
        Files.copy(jar, home.resolve("plugins.d").resolve(jar.getFileName()));
        Path certificate = JettyBackend.certificate(home.resolve("backend-tls"));
        try (JettyBackend clearText = JettyBackend.clearText(new TestBackendHandler());
             JettyBackend tls = JettyBackend.tls(new TestBackendHandler(), certificate, false);
             TestGateway gateway = TestGateway.builder().home(home).config("""
                     plugins.backend-http.required = true
                     services {
                       h2 { backend = http, instances = ["%s"], tls.trust-store { path = "%s", password = "tollgate-development" } }
                       h2c { backend = http, instances = ["%s"] }
                     }
                     routes = [
                       { path = "/h2/**", service = { name = h2, strip-prefix = "/h2" } }
                       { path = "/h2c/**", service = { name = h2c, strip-prefix = "/h2c" } }
                     ]
                     """.formatted(tls.url("https"), certificate, clearText.url("h2c"))).start()) {
            HttpClient client = Clients.jdk(gateway.home(), HttpClient.Version.HTTP_2);
            for (String route : new String[] {"/h2", "/h2c"}) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.https(route + "/describe")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(route).isEqualTo(200);
                assertThat(response.body()).contains("protocol=HTTP/2.0");
            }
        }
    }
}
