package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.tollgate.plugin.websockethub.HubGateways.counter;
import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sessions whose principal expires, through a running gateway with real WebSocket clients. The
 * tests' filter {@code hub-test-auth} issues principals with an expiry from the token
 * ({@code user:<name>:exp:<unix seconds>}, see {@link HubTestPlugin}), at the upgrade
 * ({@code access_token}) or from a first message ({@code auth} presented as {@code X-User}).
 * Expiries are a few seconds ahead, with a warning 2 s before. On {@code /ws/refusing} a fresh
 * token goes as {@code Authorization: Bearer …} to the runtime's {@code test-token-auth} as well,
 * which refuses {@code forbidden-…} with 403 and other tokens but {@code user-…} with 401.
 */
class HubAuthExpiryTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = HubGateways.start("""
                routes = [
                  { path = "/ws", filters = [ hub-test-auth ],
                    endpoint = { name = hub, auth { header = X-User, scheme = "", expiry-warning = 2s } } }
                  { path = "/ws/first-message", filters = [ hub-test-auth ],
                    endpoint = { name = hub, auth { first-message = true, header = X-User, scheme = "", expiry-warning = 2s } } }
                  { path = "/ws/refusing", filters = [ hub-test-auth, test-token-auth ], endpoint = { name = hub, auth { expiry-warning = 2s } } }
                ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    /** Unix seconds this far from now. */
    private static long secondsFromNow(Duration duration) {
        return (System.currentTimeMillis() + duration.toMillis()) / 1000;
    }

    /** The next message of {@code type}, skipping the others (subscription replies). */
    private static JsonNode nextOfType(HubClient client, String type) {
        while (true) {
            JsonNode message = client.next();
            if (message.path("type").asText().equals(type)) {
                return message;
            }
        }
    }

    /** Sends a request and returns its reply of {@code type}, skipping other messages. */
    private static JsonNode request(HubClient client, String json, String type) {
        client.send(json);
        return nextOfType(client, type);
    }

    @Test
    void aSessionAuthenticatedAtTheUpgradeIsWarnedThenClosedAtItsExpiry() {
        String ann = unique("ann-");
        long expiry = secondsFromNow(Duration.ofSeconds(4));
        long expired = counter(gateway, "authentications", "result", "expired");
        try (HubClient client = HubClient.connect(gateway, "/ws?access_token=user:" + ann + ":exp:" + expiry)) {
            JsonNode warning = nextOfType(client, "auth-expiring");
            long warnedAt = System.currentTimeMillis();
            assertThat(warning.path("expiresIn").asLong()).isBetween(1L, 2L);
            assertThat(warnedAt).isGreaterThanOrEqualTo(expiry * 1000 - 2_000 - 100).isLessThan(expiry * 1000);

            JsonNode error = nextOfType(client, "error");
            assertThat(error.path("code").asText()).isEqualTo("UNAUTHORIZED");
            assertThat(error.path("message").asText()).isEqualTo("authentication expired");
            assertThat(client.closeCode()).isEqualTo(4001);
            assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(expiry * 1000 - 100);
        }
        assertThat(counter(gateway, "authentications", "result", "expired")).isEqualTo(expired + 1);
    }

    @Test
    void aSessionAuthenticatedByFirstMessageExpiresTooWhateverTheNumberTypeOfExp() {
        for (String claim : new String[] {"exp-int", "exp-double", "expires_at"}) {
            long expiry = secondsFromNow(Duration.ofSeconds(3));
            try (HubClient client = HubClient.connect(gateway, "/ws/first-message")) {
                request(client, "{\"type\":\"auth\",\"token\":\"user:" + unique("bea-") + ":" + claim + ":" + expiry + "\"}", "authenticated");
                assertThat(nextOfType(client, "auth-expiring").path("expiresIn").asLong()).as(claim).isBetween(1L, 2L);
                assertThat(client.closeCode()).as(claim).isEqualTo(4001);
            }
        }
    }

    @Test
    void aFreshTokenForTheSameUserExtendsTheSession() {
        String ann = unique("ann-");
        long firstExpiry = secondsFromNow(Duration.ofSeconds(3));
        long refreshed = counter(gateway, "authentications", "result", "refreshed");
        try (HubClient client = HubClient.connect(gateway, "/ws?access_token=user:" + ann + ":exp:" + firstExpiry)) {
            nextOfType(client, "auth-expiring");
            long laterExpiry = secondsFromNow(Duration.ofSeconds(60));
            JsonNode authenticated = request(client, "{\"type\":\"auth\",\"id\":5,\"token\":\"user:" + ann + ":exp:" + laterExpiry + "\"}",
                    "authenticated");
            assertThat(authenticated.path("user").asText()).isEqualTo(ann);
            assertThat(authenticated.path("id").asInt()).isEqualTo(5);

            // Past the first expiry, the session lives on, and acts as before.
            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                    .until(() -> System.currentTimeMillis() > firstExpiry * 1000 + 1_000);
            request(client, "{\"type\":\"ping\",\"id\":1}", "pong");
            request(client, "{\"type\":\"subscribe\",\"channel\":\"" + unique("news:") + "\"}", "subscribed");
            assertThat(client.isClosed()).isFalse();
        }
        assertThat(counter(gateway, "authentications", "result", "refreshed")).isEqualTo(refreshed + 1);
    }

    @Test
    void aFreshTokenForAnotherUserIsRefusedAndTheSessionClosed() {
        long expiry = secondsFromNow(Duration.ofSeconds(60));
        for (String path : new String[] {"/ws?access_token=user:" + unique("ann-") + ":exp:" + expiry, "/ws/first-message"}) {
            try (HubClient client = HubClient.connect(gateway, path)) {
                if (path.equals("/ws/first-message")) {
                    request(client, "{\"type\":\"auth\",\"token\":\"user:" + unique("ann-") + ":exp:" + expiry + "\"}", "authenticated");
                }
                client.send("{\"type\":\"auth\",\"id\":\"r\",\"token\":\"user:" + unique("bob-") + ":exp:" + expiry + "\"}");
                JsonNode error = nextOfType(client, "error");
                assertThat(error.path("code").asText()).as(path).isEqualTo("FORBIDDEN");
                assertThat(error.path("id").asText()).isEqualTo("r");
                assertThat(error.path("message").asText()).contains("another user");
                assertThat(client.closeCode()).as(path).isEqualTo(4003);
            }
        }
    }

    @Test
    void aFreshTokenTheFiltersRefuseClosesTheSessionWithTheirCode() {
        long expiry = secondsFromNow(Duration.ofSeconds(60));
        String[][] cases = {{"stolen", "UNAUTHORIZED", "4001"}, {"forbidden-eve", "FORBIDDEN", "4003"}};
        for (String[] refused : cases) {
            try (HubClient client = HubClient.connect(gateway, "/ws/refusing?access_token=user:" + unique("ann-") + ":exp:" + expiry)) {
                client.send("{\"type\":\"auth\",\"token\":\"" + refused[0] + "\"}");
                assertThat(nextOfType(client, "error").path("code").asText()).isEqualTo(refused[1]);
                assertThat(client.closeCode()).isEqualTo(Integer.parseInt(refused[2]));
            }
        }
    }

    @Test
    void aFreshTokenTheFiltersCannotCheckLeavesTheSessionUntilItsExpiry() {
        long expiry = secondsFromNow(Duration.ofSeconds(60));
        try (HubClient client = HubClient.connect(gateway, "/ws?access_token=user:" + unique("ann-") + ":exp:" + expiry)) {
            // hub-test-auth fails (not a number): the runtime answers INTERNAL_ERROR, the hub UNAVAILABLE.
            client.send("{\"type\":\"auth\",\"token\":\"user:x:exp:not-a-number\"}");
            JsonNode error = nextOfType(client, "error");
            assertThat(error.path("code").asText()).isEqualTo("UNAVAILABLE");
            request(client, "{\"type\":\"ping\"}", "pong");
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void aSessionWithoutAnExpiryIsNeverWarnedNorClosedAndTakesNoSecondAuth() {
        try (HubClient upgrade = HubClient.connect(gateway, "/ws?access_token=" + unique("carl-"));
             HubClient firstMessage = HubClient.connect(gateway, "/ws/first-message")) {
            request(firstMessage, "{\"type\":\"auth\",\"token\":\"" + unique("dora-") + "\"}", "authenticated");
            for (HubClient client : new HubClient[] {upgrade, firstMessage}) {
                client.send("{\"type\":\"auth\",\"token\":\"user:x:exp:" + secondsFromNow(Duration.ofSeconds(1)) + "\"}");
                assertThat(nextOfType(client, "error").path("code").asText()).isEqualTo("ALREADY_AUTHENTICATED");
            }
            // Longer than any expiry of these tests with its warning: nothing comes, both stay open.
            long until = System.currentTimeMillis() + 4_000;
            await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > until);
            for (HubClient client : new HubClient[] {upgrade, firstMessage}) {
                assertThat(client.drain()).noneMatch(message -> String.valueOf(message).contains("auth-expiring"));
                request(client, "{\"type\":\"ping\"}", "pong");
                assertThat(client.isClosed()).isFalse();
            }
        }
    }

    @Test
    void anExpiryFarAheadIsKeptWithoutOverflowing() {
        try (HubClient client = HubClient.connect(gateway, "/ws?access_token=user:" + unique("fay-") + ":exp:99999999999")) {
            request(client, "{\"type\":\"ping\"}", "pong");
            // It expires, so a fresh token is taken rather than refused as a second auth.
            request(client, "{\"type\":\"auth\",\"token\":\"user:" + "x" + ":exp:99999999999\"}", "error");
            assertThat(client.closeCode()).isEqualTo(4003);
        }
    }

    @Test
    void theTimersOfAClosedSessionAreCancelled() {
        long expiry = secondsFromNow(Duration.ofSeconds(2));
        long expired = counter(gateway, "authentications", "result", "expired");
        try (HubClient client = HubClient.connect(gateway, "/ws?access_token=user:" + unique("eve-") + ":exp:" + expiry)) {
            request(client, "{\"type\":\"ping\"}", "pong");
        }
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > expiry * 1000 + 1_000);
        assertThat(counter(gateway, "authentications", "result", "expired")).isEqualTo(expired);
    }
}
