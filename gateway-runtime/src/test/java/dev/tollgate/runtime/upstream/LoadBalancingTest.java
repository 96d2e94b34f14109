package dev.tollgate.runtime.upstream;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.tollgate.runtime.upstream.UpstreamTesting.answeredBy;
import static dev.tollgate.runtime.upstream.UpstreamTesting.answers;
import static dev.tollgate.runtime.upstream.UpstreamTesting.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each load-balancing policy's distribution, through a running gateway over real backends. */
class LoadBalancingTest {
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

    private static Map<String, Long> counts(List<String> answers) {
        return answers.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    void roundRobinTakesEachInstanceInTurn() throws Exception {
        try (TestGateway gateway = gateway("", backend("a"), backend("b"), backend("c"))) {
            List<String> answers = answers(gateway, 30);
            assertThat(counts(answers)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10L, "b", 10L, "c", 10L));
            for (int i = 3; i < answers.size(); i++) {
                assertThat(answers.get(i)).isEqualTo(answers.get(i - 3));
            }
        }
    }

    @Test
    void weightedFollowsTheWeightsSmoothly() throws Exception {
        BackendServer heavy = backend("heavy");
        BackendServer light = backend("light");
        try (TestGateway gateway = TestGateway.start("""
                services { svc { backend = test-upstream, load-balancer.policy = weighted,
                  instances = [ { url = "%s", id = heavy, weight = 3 }, { url = "%s", id = light, weight = 1 } ] } }
                routes = [ { path = "/svc/**", service = svc } ]
                """.formatted(heavy.url(), light.url()))) {
            List<String> answers = answers(gateway, 40);
            assertThat(counts(answers)).containsExactlyInAnyOrderEntriesOf(Map.of("heavy", 30L, "light", 10L));
            // Smooth: the light instance is spread out, never twice in a row.
            for (int i = 1; i < answers.size(); i++) {
                assertThat(answers.get(i).equals("light") && answers.get(i - 1).equals("light")).isFalse();
            }
        }
    }

    @Test
    void leastRequestsAvoidsTheInstanceHoldingARequest() throws Exception {
        BackendServer busy = backend("busy").delay(20_000);
        BackendServer free = backend("free");
        try (TestGateway gateway = gateway("load-balancer.policy = least-requests\ntimeout = 30s", busy, free)) {
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int before = busy.requests() + free.requests();
                held.add(UpstreamTesting.CLIENT.sendAsync(HttpRequest.newBuilder(gateway.http("/svc/x")).build(),
                        HttpResponse.BodyHandlers.ofString()));
                await().atMost(Duration.ofSeconds(10)).until(() -> busy.requests() + free.requests() > before);
            }
            // Whichever request reached the busy instance first stays in flight there; every later one
            // goes to the instance with none in flight.
            assertThat(busy.requests()).isEqualTo(1);
            assertThat(free.requests()).isEqualTo(19);
            held.forEach(future -> future.cancel(true));
        }
    }

    @Test
    void randomUsesEveryInstance() throws Exception {
        try (TestGateway gateway = gateway("load-balancer.policy = random", backend("a"), backend("b"), backend("c"))) {
            assertThat(counts(answers(gateway, 90)).keySet()).containsExactlyInAnyOrder("a", "b", "c");
        }
    }

    @Test
    void powerOfTwoChoicesPrefersTheFasterInstance() throws Exception {
        BackendServer slow = backend("slow").delay(300);
        BackendServer fast = backend("fast");
        try (TestGateway gateway = gateway("load-balancer.policy = p2c-latency", slow, fast)) {
            List<String> answers = answers(gateway, 40);
            // Once the slow instance has answered once its latency estimate loses every comparison.
            assertThat(counts(answers).getOrDefault("slow", 0L)).isLessThanOrEqualTo(1L);
            assertThat(counts(answers).get("fast")).isGreaterThanOrEqualTo(39L);
        }
    }

    @Test
    void consistentHashOnIpKeysOnTheClientAddressATrustedProxyReports() throws Exception {
        BackendServer a = backend("a");
        BackendServer b = backend("b");
        BackendServer c = backend("c");
        try (TestGateway gateway = TestGateway.start("""
                server.trusted-proxies = ["127.0.0.1/32"]
                services { svc { backend = test-upstream, load-balancer { policy = consistent-hash, hash-on = ip }
                  instances = [ { url = "%s", id = a }, { url = "%s", id = b }, { url = "%s", id = c } ] } }
                routes = [ { path = "/svc/**", service = svc } ]
                """.formatted(a.url(), b.url(), c.url()))) {
            Set<String> owners = new HashSet<>();
            for (int client = 1; client <= 60; client++) {
                String owner = answeredFor(gateway, "198.51.100." + client);
                assertThat(answeredFor(gateway, "198.51.100." + client)).isEqualTo(owner);
                owners.add(owner);
            }
            // Keyed on the peer (the proxy, 127.0.0.1), one instance would have taken every request.
            assertThat(owners).containsExactlyInAnyOrder("a", "b", "c");
        }
    }

    private static String answeredFor(TestGateway gateway, String forwardedFor) throws Exception {
        HttpResponse<String> response = UpstreamTesting.CLIENT.send(HttpRequest.newBuilder(gateway.http("/svc/x"))
                .header("X-Forwarded-For", forwardedFor).build(), HttpResponse.BodyHandlers.ofString());
        return response.headers().firstValue("X-Instance").orElse("status " + response.statusCode());
    }

    @Test
    void consistentHashKeepsAKeyOnOneInstanceAndMovesOnlyThatInstancesKeys() throws Exception {
        BackendServer a = backend("a");
        BackendServer b = backend("b");
        BackendServer c = backend("c");
        try (TestGateway gateway = gateway("""
                load-balancer { policy = consistent-hash, hash-on = "header:X-Key" }
                passive-health { consecutive-failures = 1, ejection-time = 300ms, max-ejected-percent = 100 }
                """, a, b, c)) {
            Map<String, String> owners = new HashMap<>();
            for (int key = 0; key < 60; key++) {
                String owner = answeredBy(gateway, "user-" + key);
                owners.put("user-" + key, owner);
                assertThat(answeredBy(gateway, "user-" + key)).isEqualTo(owner);
                assertThat(answeredBy(gateway, "user-" + key)).isEqualTo(owner);
            }
            assertThat(new HashSet<>(owners.values())).containsExactlyInAnyOrder("a", "b", "c");

            // c dies: its keys move to the others (after a retry), the other keys stay where they were.
            c.stop();
            for (Map.Entry<String, String> entry : owners.entrySet()) {
                String now = answeredBy(gateway, entry.getKey());
                if (entry.getValue().equals("c")) {
                    assertThat(now).isIn("a", "b");
                }
                else {
                    assertThat(now).isEqualTo(entry.getValue());
                }
            }
            // c comes back: once its ejection is over its keys return to it.
            c.restart();
            String cKey = owners.entrySet().stream().filter(entry -> entry.getValue().equals("c")).findFirst().orElseThrow().getKey();
            await().atMost(Duration.ofSeconds(10)).until(() -> answeredBy(gateway, cKey).equals("c"));
            Set<String> moved = new HashSet<>();
            for (Map.Entry<String, String> entry : owners.entrySet()) {
                if (!answeredBy(gateway, entry.getKey()).equals(entry.getValue())) {
                    moved.add(entry.getKey());
                }
            }
            assertThat(moved).isEmpty();
        }
    }
}
