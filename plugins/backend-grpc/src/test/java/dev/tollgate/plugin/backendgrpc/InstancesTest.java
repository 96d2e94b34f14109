package dev.tollgate.plugin.backendgrpc;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tollgate.plugin.backendgrpc.Gateways.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances as the runtime's upstream registry sees them: each instance's channel pool grows
 * under concurrent calls and shrinks when idle; an instance that goes down is marked by the
 * grpc.health.v1 probes while calls move to the other, and takes calls again when it is back.
 */
class InstancesTest {
    private static final Pattern CHANNELS = Pattern.compile("^tollgate_backend_grpc_channels\\{[^}]*service=\"projects\"[^}]*} ([0-9.]+)$",
            Pattern.MULTILINE);

    private static int channels(TestGateway gateway) throws Exception {
        Matcher matcher = CHANNELS.matcher(Gateways.metrics(gateway));
        int sum = 0;
        while (matcher.find()) {
            sum += (int) Double.parseDouble(matcher.group(1));
        }
        return sum;
    }

    @Test
    void thePoolGrowsWithConcurrentCallsAndShrinksWhenIdle() throws Exception {
        try (ProjectsServer server = ProjectsServer.start();
             TestGateway gateway = Gateways.start("""
                     services.projects {
                       backend = grpc, instances = ["%s"], schema.descriptor-sets = ["%s"]
                       channels { min = 1, max = 4, streams-per-channel = 2, idle-timeout = 1s }
                     }
                     routes = [ { path = "/**", service = projects } ]
                     """.formatted(server.url(), Gateways.DESCRIPTOR_SET))) {
            assertThat(send(gateway, "POST", "/v1/slow", "{\"millis\": 1}").statusCode()).isEqualTo(200);
            assertThat(channels(gateway)).isEqualTo(1);
            List<CompletableFuture<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return send(gateway, "POST", "/v1/slow", "{\"millis\": 1500}").statusCode();
                    }
                    catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.inFlight.get() == 8);
            assertThat(channels(gateway)).isEqualTo(4);
            for (CompletableFuture<Integer> call : calls) {
                assertThat(call.get()).isEqualTo(200);
            }
            // (The runtime's exporter writes the dots of label values as underscores.)
            assertThat(Gateways.metrics(gateway))
                    .contains("tollgate_backend_grpc_calls_total{method=\"tollgate_test_Projects/Slow\",service=\"projects\",status=\"OK\"} 9");
            await().atMost(Duration.ofSeconds(15)).until(() -> channels(gateway) == 1);
        }
    }

    @Test
    void anInstanceThatGoesDownIsMarkedCallsMoveAndItComesBack() throws Exception {
        ProjectsServer first = ProjectsServer.start();
        int firstPort = first.port();
        try (ProjectsServer second = ProjectsServer.start();
             TestGateway gateway = Gateways.start("""
                     services.projects {
                       backend = grpc, instances = ["%s", "%s"], schema.descriptor-sets = ["%s"]
                       health-check { enabled = true, type = grpc, interval = 300ms, timeout = 300ms, healthy-threshold = 1, unhealthy-threshold = 2 }
                       # Active health alone: a passive ejection (30 s) during the fail-over would outlast the test.
                       passive-health.enabled = false
                     }
                     routes = [ { path = "/**", service = projects } ]
                     """.formatted(first.url(), second.url(), Gateways.DESCRIPTOR_SET))) {
            // Both instances up once their probes answered SERVING: calls go to both.
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                for (int i = 0; i < 10; i++) {
                    if (send(gateway, "GET", "/v1/projects/p" + i, null).statusCode() != 200) {
                        return false;
                    }
                }
                return first.calls.get() > 0 && second.calls.get() > 0;
            });

            first.close();
            // Once the probes mark it down, every call goes to the other instance. (Before that, calls
            // that reach the closed one fail over by retry while the runtime's retry budget lasts.)
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                int secondBefore = second.calls.get();
                for (int i = 0; i < 20; i++) {
                    if (send(gateway, "GET", "/v1/projects/p" + i, null).statusCode() != 200) {
                        return false;
                    }
                }
                return second.calls.get() - secondBefore == 20;
            });

            try (ProjectsServer back = ProjectsServer.startOn(firstPort)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    assertThat(send(gateway, "GET", "/v1/projects/again", null).statusCode()).isEqualTo(200);
                    return back.calls.get() > 0;
                });
            }
        }
        finally {
            first.close();
        }
    }
}
