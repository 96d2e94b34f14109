package dev.tollgate.plugin.ratelimit;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis of the test's own paused ({@code CLIENT PAUSE}), slowed ({@code DEBUG SLEEP}), killed
 * and restarted under a running gateway: the fail-open route admits (counting per instance with
 * the same policy), the fail-closed one answers 503, no decision waits past store-timeout (plus a
 * generous second for a loaded machine), /health shows the store DEGRADED, and everything
 * recovers by itself when Redis answers again.
 */
class RedisOutageTest {
    private static final Duration STORE_TIMEOUT = Duration.ofMillis(200);
    private static final Duration BOUND = STORE_TIMEOUT.plusSeconds(1);

    private final HttpClient client = HttpClient.newHttpClient();
    private Redis.Server redis;
    private TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        redis = Redis.Server.onFreePort().start();
        gateway = TestGateway.builder()
                .plugin("rate-limit", new RateLimitPlugin())
                .config("""
                        redis { default { address = "%s", timeout = 5s } }
                        filters {
                          open { type = rate-limit, store = redis, store-timeout = %dms, on-store-failure = fail-open
                                 policies = [ { name = per-client, key = "header:X-Client", limit = 3, window = 1h } ] }
                          closed { type = rate-limit, store = redis, store-timeout = %dms, on-store-failure = fail-closed
                                   policies = [ { name = per-client, key = "header:X-Client", limit = 1000, window = 1h } ] }
                        }
                        routes = [
                          { id = open, path = "/open", endpoint = test-echo, filters = [open] }
                          { id = closed, path = "/closed", endpoint = test-echo, filters = [closed] }
                        ]
                        """.formatted(redis.address(), STORE_TIMEOUT.toMillis(), STORE_TIMEOUT.toMillis()))
                .start();
        await("the store answers").atMost(Duration.ofSeconds(20)).until(() -> get("/closed", "probe").statusCode() == 200);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private HttpResponse<String> get(String path, String clientId) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).header("X-Client", clientId)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The request, asserting that it was answered within the bound. */
    private HttpResponse<String> timed(String path, String clientId) throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response = get(path, clientId);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered within store-timeout + 1 s").isLessThan(BOUND);
        return response;
    }

    private String health() throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http("/health")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private void assertFailingAsConfigured(String clientId) throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> open = timed("/open", clientId);
            assertThat(open.statusCode()).as("fail-open admits").isEqualTo(200);
            assertThat(open.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-client\";r=" + (2 - i) + ";");
        }
        assertThat(timed("/open", clientId).statusCode()).as("counted locally with the same policy").isEqualTo(429);
        HttpResponse<String> closed = timed("/closed", clientId);
        assertThat(closed.statusCode()).as("fail-closed refuses").isEqualTo(503);
        assertThat(closed.body()).contains("UNAVAILABLE");
        assertThat(closed.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(health()).contains("DEGRADED");
    }

    private void assertRecovers() {
        await("recovered").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> get("/closed", "probe").statusCode() == 200);
        await("/health UP again").atMost(Duration.ofSeconds(10)).until(() -> !health().contains("DEGRADED"));
    }

    @Test
    void paused() throws Exception {
        assertThat(Redis.command(redis.port(), "CLIENT", "PAUSE", "4000", "ALL")).isEqualTo("OK");
        assertFailingAsConfigured("paused");
        assertRecovers();
    }

    @Test
    void slowed() throws Exception {
        Process sleep = Redis.startCommand(redis.port(), "DEBUG", "SLEEP", "4");
        try {
            await("Redis is asleep").atMost(Duration.ofSeconds(10)).until(() -> get("/closed", "probe").statusCode() == 503);
            assertFailingAsConfigured("slowed");
        }
        finally {
            sleep.waitFor();
        }
        assertRecovers();
    }

    @Test
    void stoppedThenRestarted() throws Exception {
        assertThat(get("/open", "before").statusCode()).isEqualTo(200);
        redis.kill();
        assertFailingAsConfigured("stopped");
        redis.start();
        assertRecovers();
        // The restarted Redis is empty: counted there again, from zero.
        for (int i = 0; i < 3; i++) {
            assertThat(get("/open", "after").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = get("/open", "after");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
    }
}
