package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged plugin jar, Redisson and Netty shaded in, dropped into a gateway's plugins.d and
 * loaded in its own class loader as in production, serves a service from the shared Redis.
 */
class RedisDiscoveryPluginJarIT {

    @BeforeAll
    static void redisRuns() {
        SharedRedis.requireRunning();
    }

    @Test
    void thePluginJarLoadsAndDiscovers() throws Exception {
        Path jar = Path.of(System.getProperty("plugin.jar", "target/gateway-plugin-discovery-redis-1.1.0.jar"));
        assertThat(jar).as("the packaged plugin jar (run through mvn verify)").exists();
        Path home = Files.createTempDirectory("tollgate-plugin-jar");
        Files.createDirectories(home.resolve("plugins.d"));
        Files.copy(jar, home.resolve("plugins.d").resolve(jar.getFileName()));
        String prefix = SharedRedis.uniquePrefix();
        RedissonClient registrant = SharedRedis.client(SharedRedis.ADDRESS);
        try (BackendServer backend = BackendServer.start("from-jar");
             TestGateway gateway = TestGateway.builder().home(home).config("""
                     plugins { discovery-redis { required = true } }
                     redis { default { address = "%s" } }
                     discovery { redis { key-prefix = "%s" } }
                     services { found { backend = test-upstream, discovery = redis } }
                     routes = [ { path = "/svc/**", service = found } ]
                     """.formatted(SharedRedis.ADDRESS, prefix)).start()) {
            RedisServiceRegistration registration = RedisServiceRegistration
                    .builder(registrant, "found", new ServiceInstance("from-jar", URI.create(backend.url()), 1, Map.of()))
                    .keyPrefix(prefix)
                    .start();
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest request = HttpRequest.newBuilder(gateway.http("/svc/x")).timeout(Duration.ofSeconds(10)).build();
            await().atMost(Duration.ofSeconds(15)).until(() -> client.send(request, HttpResponse.BodyHandlers.ofString())
                    .headers().firstValue("X-Instance").orElse("").equals("from-jar"));
            registration.deregister().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        finally {
            registrant.getKeys().deleteByPattern(prefix + "*");
            registrant.shutdown(0, 2, TimeUnit.SECONDS);
            TestGateway.delete(home);
        }
    }
}
