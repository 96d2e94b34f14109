package dev.tollgate.plugin.backendgrpc;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged plugin jar as the gateway runs it: found in plugins.d, loaded in its own class
 * loader with its shaded grpc-java, OkHttp and protobuf, transcoding to a real gRPC server with
 * the schema from reflection. Run by failsafe after packaging (the tag keeps surefire away).
 */
@Tag("packaged-jar")
class PluginJarIT {
    @TempDir
    Path home;

    @Test
    void theShadedJarTranscodesFromItsOwnClassLoader() throws Exception {
        Path jar = Path.of(System.getProperty("plugin.jar"));
        assertThat(jar).as("the packaged plugin").isRegularFile();
        Files.createDirectories(home.resolve("plugins.d"));
        Files.copy(jar, home.resolve("plugins.d").resolve(jar.getFileName()));
        try (ProjectsServer server = ProjectsServer.start(io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance());
             TestGateway gateway = TestGateway.builder().home(home).config("""
                     plugins.backend-grpc.required = true
                     services.projects { backend = grpc, instances = ["%s"], schema.reflection = true }
                     routes = [ { path = "/api/**", service = { name = projects, strip-prefix = "/api" } } ]
                     """.formatted(server.url())).start()) {
            HttpResponse<String> response = Gateways.CLIENT.send(HttpRequest.newBuilder(gateway.http("/api/v1/projects/p1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"displayName\":\"Project p1\"");
        }
    }
}
