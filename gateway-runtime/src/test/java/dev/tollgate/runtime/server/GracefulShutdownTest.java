package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestPlugin;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class GracefulShutdownTest {
    @Test
    void stopsAcceptingButFinishesTheRequestInFlight() throws Exception {
        TestPlugin.Gate gate = TestPlugin.gate("shutdown");
        TestGateway gateway = TestGateway.start("""
                server.shutdown-grace-period = 20s
                routes = [ { path = "/slow", endpoint = { name = test-gate, gate = shutdown } } ]
                """);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        java.net.URI slow = gateway.http("/slow");
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                HttpRequest.newBuilder(slow).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.arrived() == 1);

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(gateway::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> !gateway.gateway().health().report().ready());
        // New connections are refused while the in-flight request drains.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(slow).build(),
                        HttpResponse.BodyHandlers.discarding()))
                        .isInstanceOfAny(ConnectException.class, IOException.class));
        assertThat(stopping).isNotDone();

        gate.open();
        HttpResponse<String> response = inFlight.get();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("opened");
        stopping.get();
    }
}
