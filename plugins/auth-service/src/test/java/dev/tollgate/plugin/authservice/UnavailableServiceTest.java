package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestGateway;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.tollgate.plugin.authservice.Gateways.counter;
import static dev.tollgate.plugin.authservice.Gateways.metric;
import static dev.tollgate.plugin.authservice.Gateways.withToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the service cannot decide — it is down, slower than the deadline, or answers an error
 * status — the filter fails closed with 503 (not 401), or lets the request go on anonymous with
 * {@code on-unavailable = allow-anonymous}; and once the service is back, requests are validated
 * again without a restart.
 */
class UnavailableServiceTest {
    private static AuthServer auth;
    private static AuthServer flapping;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        auth = AuthServer.tollgate();
        flapping = AuthServer.tollgate();
        gateway = Gateways.start("""
                services {
                  down { backend = auth-service, instances = ["grpc://127.0.0.1:%d"] }
                  auth { backend = auth-service, instances = ["%s"] }
                  flapping { backend = auth-service, instances = ["%s"], passive-health.enabled = false, circuit-breaker.enabled = false }
                }
                filters {
                  down-closed { type = auth-service, service = down }
                  down-open { type = auth-service, service = down, on-unavailable = allow-anonymous }
                  auth-closed { type = auth-service, service = auth, deadline = 300ms, cache.ttl = 0 }
                  auth-open { type = auth-service, service = auth, deadline = 300ms, cache.ttl = 0, on-unavailable = allow-anonymous }
                  flapping { type = auth-service, service = flapping, cache.ttl = 0 }
                }
                routes = [
                  { path = "/down-closed/**", endpoint = test-echo, filters = [ down-closed, test-principal-headers ] }
                  { path = "/down-open/**", endpoint = test-echo, filters = [ down-open, test-principal-headers ] }
                  { path = "/auth-closed/**", endpoint = test-echo, filters = [ auth-closed, test-principal-headers ] }
                  { path = "/auth-open/**", endpoint = test-echo, filters = [ auth-open, test-principal-headers ] }
                  { path = "/flapping/**", endpoint = test-echo, filters = [ flapping, test-principal-headers ] }
                ]
                """.formatted(closedPort, auth.url(), flapping.url()));
        auth.account("tok-ok", "mia", List.of("user"), Map.of());
        flapping.account("tok-flap", "noah", List.of("user"), Map.of());
    }

    @AfterEach
    void answerNormally() {
        auth.delay(0).failWith(null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        for (AuthServer server : new AuthServer[] {auth, flapping}) {
            if (server != null) {
                server.close();
            }
        }
    }

    private static void assertUnavailable(HttpResponse<String> response, String token) {
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"code\":\"UNAVAILABLE\"").contains("the authentication service is unavailable");
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(response.body() + response.headers().map()).doesNotContain(token);
    }

    @Test
    void aServiceThatIsDownIsAnswered503() throws Exception {
        String unavailable = counter("validations", "outcome=\"unavailable\",service=\"down\"");
        double before = metric(gateway, unavailable);

        assertUnavailable(withToken(gateway, "/down-closed/x", "tok-down-1"), "tok-down-1");

        assertThat(metric(gateway, unavailable) - before).isEqualTo(1);
    }

    @Test
    void aServiceThatIsDownLetsTheRequestGoOnAnonymousWhenAllowed() throws Exception {
        HttpResponse<String> response = withToken(gateway, "/down-open/x", "tok-down-2");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Principal")).contains("none");
        assertThat(response.body()).contains("\"principal\":\"\"");
    }

    @Test
    void aServiceSlowerThanTheDeadlineIsAnswered503InTime() throws Exception {
        auth.delay(3_000);
        String deadline = counter("validations", "outcome=\"deadline\",service=\"auth\"");
        double before = metric(gateway, deadline);

        long started = System.nanoTime();
        HttpResponse<String> response = withToken(gateway, "/auth-closed/x", "tok-ok");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertUnavailable(response, "tok-ok");
        assertThat(response.body()).contains("the authentication service is unavailable (it did not answer in time)");
        assertThat(took).as("the deadline, not the service's delay").isLessThan(Duration.ofMillis(2_500));
        assertThat(metric(gateway, deadline) - before).isEqualTo(1);
    }

    @Test
    void aServiceSlowerThanTheDeadlineLetsTheRequestGoOnAnonymousWhenAllowed() throws Exception {
        auth.delay(3_000);

        HttpResponse<String> response = withToken(gateway, "/auth-open/x", "tok-ok");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Principal")).contains("none");
    }

    @Test
    void anErrorStatusIsAnswered503NotAsAnInvalidToken() throws Exception {
        auth.failWith(Status.INTERNAL.withDescription("database down"));
        assertUnavailable(withToken(gateway, "/auth-closed/x", "tok-ok"), "tok-ok");

        auth.failWith(Status.PERMISSION_DENIED);
        assertUnavailable(withToken(gateway, "/auth-closed/x", "tok-ok"), "tok-ok");
    }

    @Test
    void theTokenIsNeverLoggedEvenWhenTheServiceQuotesItInItsError() throws Exception {
        auth.failWith(Status.INTERNAL.withDescription("cannot check tok-quoted-secret"));
        try (CapturedLogs logs = CapturedLogs.everyLogger()) {
            assertUnavailable(withToken(gateway, "/auth-closed/x", "tok-quoted-secret"), "tok-quoted-secret");
            HttpResponse<String> anonymous = withToken(gateway, "/auth-open/x", "tok-quoted-secret");
            assertThat(anonymous.statusCode()).isEqualTo(200);

            assertThat(logs.warningsWithOrigin()).anySatisfy(warning -> assertThat(warning)
                    .contains("going on without a principal").contains("answered INTERNAL: cannot check [token]"));
            assertThat(logs.infos()).isNotEmpty().noneSatisfy(line -> assertThat(line).contains("tok-quoted-secret"));
            assertThat(logs.warningsWithOrigin()).noneSatisfy(line -> assertThat(line).contains("tok-quoted-secret"));
        }
    }

    @Test
    void allowAnonymousNeverAcceptsATokenTheServiceRefused() throws Exception {
        HttpResponse<String> response = withToken(gateway, "/auth-open/x", "tok-refused-open");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value ->
                assertThat(value).contains("error=\"invalid_token\""));
    }

    @Test
    void aServiceThatWentDownAndCameBackIsUsedAgainWithoutARestart() throws Exception {
        assertThat(withToken(gateway, "/flapping/x", "tok-flap").headers().firstValue("X-Principal")).contains("noah auth-service");

        flapping.stop();
        assertUnavailable(withToken(gateway, "/flapping/x", "tok-flap"), "tok-flap");

        flapping.restart();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> withToken(gateway, "/flapping/x", "tok-flap").statusCode() == 200);
        assertThat(withToken(gateway, "/flapping/x", "tok-flap").headers().firstValue("X-Principal")).contains("noah auth-service");
    }
}
