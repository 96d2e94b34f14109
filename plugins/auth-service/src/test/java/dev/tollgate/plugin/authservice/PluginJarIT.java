package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged plugin jar as the gateway runs it: found in plugins.d, loaded in its own class
 * loader with its shaded grpc-java, OkHttp and protobuf, validating tokens with a real gRPC
 * service. Run by failsafe after packaging (the tag keeps surefire away).
 */
@Tag("packaged-jar")
class PluginJarIT {
    @TempDir
    Path home;

    @Test
    void theShadedJarValidatesTokensFromItsOwnClassLoader() throws Exception {
        Path jar = Path.of(System.getProperty("plugin.jar"));
        assertThat(jar).as("the packaged plugin").isRegularFile();
        Files.createDirectories(home.resolve("plugins.d"));
        Files.copy(jar, home.resolve("plugins.d").resolve(jar.getFileName()));
        try (AuthServer auth = AuthServer.tollgate().account("jar-token", "olivia", List.of("user"), Map.of());
             TestGateway gateway = TestGateway.builder().home(home).config("""
                     plugins.auth-service.required = true
                     services.auth { backend = auth-service, instances = ["%s"] }
                     filters.auth { type = auth-service, service = auth, deadline = 5s }
                     routes = [ { path = "/api/**", endpoint = test-echo, filters = [ auth ] } ]
                     """.formatted(auth.url())).start()) {
            HttpResponse<String> valid = Gateways.withToken(gateway, "/api/x", "jar-token");
            assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
            assertThat(valid.body()).contains("\"principal\":\"olivia\"");

            HttpResponse<String> invalid = Gateways.withToken(gateway, "/api/x", "other-token");
            assertThat(invalid.statusCode()).isEqualTo(401);
            assertThat(invalid.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value ->
                    assertThat(value).contains("error=\"invalid_token\""));
        }
    }
}
