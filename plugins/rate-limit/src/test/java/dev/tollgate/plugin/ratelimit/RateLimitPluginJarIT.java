package dev.tollgate.plugin.ratelimit;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged plugin jar, Redisson and Netty shaded in, dropped into a gateway's plugins.d and
 * loaded in its own class loader as in production, limits through the shared Redis (the script
 * read from the jar) and in memory.
 */
class RateLimitPluginJarIT {

    @Test
    void thePluginJarLoadsAndLimits() throws Exception {
        Redis.requireShared();
        Path jar = Path.of(System.getProperty("plugin.jar", "target/gateway-plugin-rate-limit-1.0.0.jar"));
        assertThat(jar).as("the packaged plugin jar (run through mvn verify)").exists();
        Path home = Files.createTempDirectory("tollgate-plugin-jar");
        Files.createDirectories(home.resolve("plugins.d"));
        Files.copy(jar, home.resolve("plugins.d").resolve(jar.getFileName()));
        String policy = Redis.uniqueName("jar");
        try (TestGateway gateway = TestGateway.builder().home(home).config("""
                plugins { rate-limit { required = true } }
                redis { default { address = "redis://127.0.0.1:6379" } }
                filters {
                  shared { type = rate-limit, store = redis, store-timeout = 2s, on-store-failure = fail-closed
                           policies = [ { name = %s, key = ip, limit = 2, window = 1h } ] }
                  local { type = rate-limit, policies = [ { name = local, key = ip, limit = 1, window = 1h } ] }
                }
                routes = [
                  { id = shared, path = "/shared", endpoint = test-echo, filters = [shared] }
                  { id = local, path = "/local", endpoint = test-echo, filters = [local] }
                ]
                """.formatted(policy)).start()) {
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest shared = HttpRequest.newBuilder(gateway.http("/shared")).timeout(Duration.ofSeconds(10)).build();
            List<Integer> statuses = new ArrayList<>();
            await("connected to Redis").atMost(Duration.ofSeconds(30))
                    .until(() -> client.send(shared, HttpResponse.BodyHandlers.discarding()).statusCode() != 503);
            for (int i = 0; i < 2; i++) {
                statuses.add(client.send(shared, HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            assertThat(statuses).containsExactly(200, 429);
            HttpRequest local = HttpRequest.newBuilder(gateway.http("/local")).build();
            assertThat(client.send(local, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            HttpResponse<String> refused = client.send(local, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"local\";q=1;w=3600");
        }
        finally {
            TestGateway.delete(home);
        }
    }
}
