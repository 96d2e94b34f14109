package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Through a running gateway: a service with {@code discovery = redis} routes to the instances
 * registered in the shared Redis (reached through {@code gateway.redis.default}), and follows
 * registrations and deregistrations.
 */
class RedisDiscoveryGatewayTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private RedissonClient registrant;
    private String prefix;

    @BeforeAll
    static void redisRuns() {
        SharedRedis.requireRunning();
    }

    @BeforeEach
    void setUp() {
        prefix = SharedRedis.uniquePrefix();
        registrant = SharedRedis.client(SharedRedis.ADDRESS);
    }

    @AfterEach
    void tearDown() {
        registrant.getKeys().deleteByPattern(prefix + "*");
        registrant.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Test
    void routesToTheRegisteredInstancesAndFollowsThem() throws Exception {
        try (BackendServer a = BackendServer.start("a"); BackendServer b = BackendServer.start("b");
             TestGateway gateway = TestGateway.builder()
                     .plugin("discovery-redis", new RedisDiscoveryPlugin())
                     .config("""
                             redis { default { address = "%s", password = "" } }
                             discovery { redis { key-prefix = "%s" } }
                             services { found { backend = test-upstream, discovery = redis } }
                             routes = [ { path = "/svc/**", service = found } ]
                             """.formatted(SharedRedis.ADDRESS, prefix))
                     .start()) {
            HttpResponse<String> none = get(gateway, "/svc/x");
            assertThat(none.statusCode()).isEqualTo(503);
            assertThat(none.body()).contains("service 'found' has no instances (from discovery 'redis')");

            RedisServiceRegistration first = register("found", new ServiceInstance("a", URI.create(a.url()), 1, Map.of("zone", "a")));
            await().atMost(Duration.ofSeconds(10)).until(() -> answers(gateway, 4).equals(Set.of("a")));
            RedisServiceRegistration second = register("found", new ServiceInstance("b", URI.create(b.url()), 1, Map.of("zone", "b")));
            await().atMost(Duration.ofSeconds(10)).until(() -> answers(gateway, 6).equals(Set.of("a", "b")));

            first.deregister().toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> answers(gateway, 4).equals(Set.of("b")));

            String health = get(gateway, "/health").body();
            assertThat(health).contains("\"discovery-redis.discovery\":{\"status\":\"UP\"");
            String metrics = get(gateway, "/metrics").body();
            assertThat(metrics).contains("tollgate_discovery_redis_instances{service=\"found\"} 1.0");
            second.deregister().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aConnectionNamedAndWrittenInlineAtOnceStopsStartUp() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("discovery-redis", new RedisDiscoveryPlugin())
                .config("""
                        redis { default { address = "%s" } }
                        discovery { redis { redis = default, address = "%s" } }
                        services { found { backend = test-upstream, discovery = redis } }
                        """.formatted(SharedRedis.ADDRESS, SharedRedis.ADDRESS))
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.discovery.redis.redis: names a gateway.redis connection, so the connection keys address "
                        + "must not be written here as well");
    }

    private RedisServiceRegistration register(String service, ServiceInstance instance) {
        return RedisServiceRegistration.builder(registrant, service, instance).keyPrefix(prefix).start();
    }

    private static HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(gateway.http(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Who answered {@code count} requests: instance ids, or the error status. */
    private static Set<String> answers(TestGateway gateway, int count) throws Exception {
        Set<String> answered = new HashSet<>();
        for (int index = 0; index < count; index++) {
            HttpResponse<String> response = get(gateway, "/svc/x");
            answered.add(response.headers().firstValue("X-Instance").orElse("status " + response.statusCode()));
        }
        return answered;
    }
}
