package dev.tollgate.plugin.ratelimit;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two gateway instances with store = redis on the real Redis at 127.0.0.1:6379 enforce one limit. */
class RedisGatewayTest {
    private final HttpClient client = HttpClient.newHttpClient();

    private static TestGateway gateway(String policy) throws Exception {
        return TestGateway.builder()
                .plugin("rate-limit", new RateLimitPlugin())
                .config("""
                        redis { default { address = "%s" } }
                        filters.shared-limit {
                          type = rate-limit
                          store = redis
                          store-timeout = 2s
                          on-store-failure = fail-closed
                          policies = [ { name = %s, key = ip, limit = 7, window = 1h } ]
                        }
                        routes = [ { id = api, path = "/api", endpoint = test-echo, filters = [shared-limit] } ]
                        """.formatted(Redis.SHARED_ADDRESS, policy))
                .start();
    }

    private HttpResponse<String> get(TestGateway gateway) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http("/api")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoInstancesShareOneLimit() throws Exception {
        Redis.requireShared();
        String policy = Redis.uniqueName("shared");
        try (TestGateway first = gateway(policy); TestGateway second = gateway(policy)) {
            // The client connects in the background: until then, fail-closed answers 503.
            for (TestGateway gateway : List.of(first, second)) {
                await("connected to Redis").atMost(Duration.ofSeconds(20))
                        .until(() -> gateway.gateway() != null && get(gateway).statusCode() != 503);
            }
            // Both probes above were admitted: 5 left of 7 across both instances.
            List<Integer> statuses = new ArrayList<>();
            List<String> remaining = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = get(i % 2 == 0 ? first : second);
                statuses.add(response.statusCode());
                remaining.add(response.headers().firstValue("RateLimit").orElseThrow());
            }
            assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429, 429, 429, 429);
            assertThat(remaining.get(0)).startsWith("\"" + policy + "\";r=4;t=");
            assertThat(remaining.get(4)).startsWith("\"" + policy + "\";r=0;t=");
            assertThat(remaining.get(5)).startsWith("\"" + policy + "\";r=0;t=");
        }
    }
}
