package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.tollgate.plugin.authservice.Gateways.withToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cached verdicts expire: a valid one after {@code cache.ttl}, an invalid one after
 * {@code cache.negative-ttl}, and a valid one at the token's own {@code expires_at} when that
 * comes first; then the service is asked again.
 */
class CacheExpiryTest {
    private static AuthServer auth;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        auth = AuthServer.tollgate();
        gateway = Gateways.start("""
                services { auth { backend = auth-service, instances = ["%s"] } }
                filters {
                  short { type = auth-service, service = auth, deadline = 5s, cache { ttl = 400ms, negative-ttl = 400ms } }
                  long  { type = auth-service, service = auth, deadline = 5s, cache { ttl = 1h, negative-ttl = 1h } }
                }
                routes = [
                  { path = "/short/**", endpoint = test-echo, filters = [ short ] }
                  { path = "/long/**", endpoint = test-echo, filters = [ long ] }
                ]
                """.formatted(auth.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (auth != null) {
            auth.close();
        }
    }

    @Test
    void aValidVerdictIsAskedForAgainAfterTheTtl() throws Exception {
        auth.account("tok-ttl", "ivan", List.of(), Map.of());
        long started = System.nanoTime();
        assertThat(withToken(gateway, "/short/x", "tok-ttl").statusCode()).isEqualTo(200);
        assertThat(withToken(gateway, "/short/x", "tok-ttl").statusCode()).isEqualTo(200);
        if (System.nanoTime() - started < Duration.ofMillis(300).toNanos()) {
            assertThat(auth.calls("tok-ttl")).as("within the ttl").isEqualTo(1);
        }

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(withToken(gateway, "/short/x", "tok-ttl").statusCode()).isEqualTo(200);
            assertThat(auth.calls("tok-ttl")).isGreaterThanOrEqualTo(2);
        });
    }

    @Test
    void anInvalidVerdictIsAskedForAgainAfterTheNegativeTtlAndMayHaveBecomeValid() throws Exception {
        assertThat(withToken(gateway, "/short/x", "tok-late").statusCode()).isEqualTo(401);
        auth.account("tok-late", "judy", List.of(), Map.of());

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> withToken(gateway, "/short/x", "tok-late").statusCode() == 200);
        assertThat(auth.calls("tok-late")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aValidVerdictIsNeverKeptBeyondTheTokensExpiry() throws Exception {
        long expiresAt = Instant.now().getEpochSecond() + 2;
        auth.account("tok-expiring", new AuthServer.Account("kim", List.of(), Map.of(), expiresAt));

        assertThat(withToken(gateway, "/long/x", "tok-expiring").statusCode()).isEqualTo(200);
        assertThat(withToken(gateway, "/long/x", "tok-expiring").statusCode()).isEqualTo(200);
        assertThat(auth.calls("tok-expiring")).as("cached until expires_at, although ttl = 1h").isEqualTo(1);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            withToken(gateway, "/long/x", "tok-expiring");
            assertThat(auth.calls("tok-expiring")).isGreaterThanOrEqualTo(2);
        });
        assertThat(Instant.now().getEpochSecond()).as("not asked again before expires_at").isGreaterThanOrEqualTo(expiresAt);
    }

    @Test
    void anAlreadyExpiredTokenIsAcceptedOnTheServicesWordButNotCached() throws Exception {
        auth.account("tok-expired", new AuthServer.Account("liam", List.of(), Map.of(), Instant.now().getEpochSecond() - 10));

        assertThat(withToken(gateway, "/long/x", "tok-expired").statusCode()).isEqualTo(200);
        assertThat(withToken(gateway, "/long/x", "tok-expired").statusCode()).isEqualTo(200);

        assertThat(auth.calls("tok-expired")).isEqualTo(2);
    }
}
