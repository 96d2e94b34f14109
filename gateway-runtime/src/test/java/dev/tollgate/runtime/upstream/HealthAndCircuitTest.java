package dev.tollgate.runtime.upstream;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.runtime.upstream.UpstreamTesting.answeredBy;
import static dev.tollgate.runtime.upstream.UpstreamTesting.answers;
import static dev.tollgate.runtime.upstream.UpstreamTesting.gateway;
import static dev.tollgate.runtime.upstream.UpstreamTesting.get;
import static dev.tollgate.runtime.upstream.UpstreamTesting.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Passive ejection, active health checks, circuit breakers and retries, over real backends that fail. */
class HealthAndCircuitTest {
    private final List<BackendServer> backends = new ArrayList<>();

    private BackendServer backend(String name) throws Exception {
        BackendServer backend = BackendServer.start(name);
        backends.add(backend);
        return backend;
    }

    @AfterEach
    void stopBackends() throws Exception {
        for (BackendServer backend : backends) {
            backend.close();
        }
    }

    @Test
    void anInstanceKilledMidTestIsEjectedTrafficMovesAndItComesBackAfterRecovery() throws Exception {
        BackendServer a = backend("a");
        BackendServer b = backend("b");
        BackendServer c = backend("c");
        try (TestGateway gateway = gateway("""
                passive-health { consecutive-failures = 2, ejection-time = 1s }
                circuit-breaker.enabled = false
                """, a, b, c)) {
            assertThat(answers(gateway, 6)).contains("a", "b", "c");
            c.stop();
            // Every request still succeeds: a connection refused never reached c, so it is retried elsewhere.
            List<String> during = answers(gateway, 30);
            assertThat(during).doesNotContain("c").allMatch(answer -> answer.equals("a") || answer.equals("b"));
            assertThat(health(gateway)).contains("\"upstream.svc\":{\"status\":\"DEGRADED\"").contains("\"state\":\"ejected\"");

            c.restart();
            await().atMost(Duration.ofSeconds(15)).until(() -> answers(gateway, 3).contains("c"));
            assertThat(health(gateway)).contains("\"upstream.svc\":{\"status\":\"UP\"");
            String metrics = get(gateway, "/metrics", null).body();
            assertThat(metrics).contains("tollgate_upstream_ejections_total{service=\"svc\"}")
                    .contains("tollgate_upstream_attempts_total{outcome=\"connect\",service=\"svc\"}")
                    .contains("tollgate_upstream_retries_total{outcome=\"allowed\",service=\"svc\"}");
        }
    }

    @Test
    void activeHealthChecksTakeAnInstanceOutAndBackIn() throws Exception {
        BackendServer a = backend("a");
        BackendServer b = backend("b");
        try (TestGateway gateway = gateway("""
                health-check { enabled = true, path = "/health", interval = 100ms, timeout = 100ms,
                               healthy-threshold = 2, unhealthy-threshold = 2 }
                """, a, b)) {
            b.healthStatus(503);
            await().atMost(Duration.ofSeconds(10)).until(() -> health(gateway).contains("\"state\":\"down\""));
            int before = b.requests();
            assertThat(answers(gateway, 10)).containsOnly("a");
            assertThat(b.requests()).isEqualTo(before);

            b.healthStatus(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> !health(gateway).contains("\"state\":\"down\""));
            assertThat(answers(gateway, 10)).contains("a", "b");
        }
    }

    @Test
    void circuitOpensOnFailureRateAndClosesAfterSuccessfulHalfOpenProbes() throws Exception {
        BackendServer failing = backend("failing").status(503);
        BackendServer healthy = backend("healthy");
        try (TestGateway gateway = gateway("""
                passive-health.enabled = false
                retries.attempts = 1
                circuit-breaker { failure-rate-threshold = 50, minimum-requests = 4, window = 10s, open-duration = 500ms,
                                  half-open-requests = 2 }
                """, failing, healthy)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                answers(gateway, 2);
                return health(gateway).contains("\"circuit\":\"open\"");
            });
            int before = failing.requests();
            // Open: nothing reaches the failing instance (the half-open probes wait for open-duration).
            assertThat(answers(gateway, 6)).containsOnly("healthy");
            assertThat(failing.requests()).isEqualTo(before);
            assertThat(get(gateway, "/metrics", null).body()).contains("tollgate_upstream_circuits{service=\"svc\",state=\"open\"} 1.0");

            failing.status(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                answers(gateway, 2);
                return !health(gateway).contains("\"circuit\":\"open\"") && !health(gateway).contains("\"circuit\":\"half_open\"");
            });
            assertThat(answers(gateway, 10)).contains("failing", "healthy");
        }
    }

    @Test
    void whenNoInstanceIsAvailableTheAnswerIs503WithTheJsonShape() throws Exception {
        BackendServer only = backend("only");
        try (TestGateway gateway = gateway("""
                passive-health { consecutive-failures = 1, ejection-time = 1m, max-ejected-percent = 100 }
                retries.attempts = 1
                """, only)) {
            only.stop();
            HttpResponse<String> refused = get(gateway, "/svc/x", null);
            assertThat(refused.statusCode()).isEqualTo(502);
            assertThat(refused.body()).contains("\"code\":\"BAD_GATEWAY\"");
            HttpResponse<String> unavailable = get(gateway, "/svc/x", null);
            assertThat(unavailable.statusCode()).isEqualTo(503);
            assertThat(unavailable.body()).contains("\"code\":\"UNAVAILABLE\"",
                    "no available instance of service 'svc' (1 instances: 1 ejected)", "\"requestId\":\"");
            assertThat(health(gateway)).contains("\"upstream.svc\":{\"status\":\"DOWN\"").contains("\"ready\":true");
        }
    }

    @Test
    void panicModeStillTriesAnInstanceWhenNoneIsAvailable() throws Exception {
        BackendServer only = backend("only");
        try (TestGateway gateway = gateway("""
                load-balancer.panic-when-all-unavailable = true
                passive-health { consecutive-failures = 1, ejection-time = 1m, max-ejected-percent = 100 }
                retries.attempts = 1
                """, only)) {
            only.status(503);
            assertThat(get(gateway, "/svc/x", null).statusCode()).isEqualTo(503);
            assertThat(health(gateway)).contains("\"state\":\"ejected\"");
            only.status(200);
            assertThat(answeredBy(gateway, null)).isEqualTo("only");
        }
    }

    @Test
    void retriesStopWhenTheBudgetIsSpent() throws Exception {
        BackendServer a = backend("a").status(503);
        BackendServer b = backend("b").status(503);
        try (TestGateway gateway = gateway("""
                passive-health.enabled = false
                circuit-breaker.enabled = false
                retries { attempts = 3, budget { percent = 0, min-per-second = 1 } }
                """, a, b)) {
            for (int i = 0; i < 20; i++) {
                assertThat(get(gateway, "/svc/x", null).statusCode()).isEqualTo(503);
            }
            // 20 requests, at most 10 retries in the window (1 per second for 10 s, none earned by traffic).
            assertThat(a.requests() + b.requests()).isBetween(20, 30);
            assertThat(get(gateway, "/metrics", null).body()).contains("tollgate_upstream_retries_total{outcome=\"budget_exhausted\",service=\"svc\"}");
        }
    }

    @Test
    void idempotentRequestsRetryFailureStatusesOnAnotherInstance() throws Exception {
        BackendServer failing = backend("failing").status(502);
        BackendServer healthy = backend("healthy");
        try (TestGateway gateway = gateway("passive-health.enabled = false\ncircuit-breaker.enabled = false", failing, healthy)) {
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = get(gateway, "/svc/x", null);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("X-Instance")).hasValue("healthy");
            }
            // Each 502 from the failing instance was retried on the healthy one.
            assertThat(failing.requests()).isBetween(1, 10);
            assertThat(healthy.requests()).isEqualTo(10);
        }
    }
}
