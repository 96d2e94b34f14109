package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * On stop, readiness goes down first and the listeners close only after the drain delay: a load
 * balancer that still sends during the delay gets answers, not refused connections.
 */
class DrainDelayTest {
    private final HttpClient client = HttpClient.newHttpClient();

    private int status(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void readinessGoesDownBeforeTheListenersClose() throws Exception {
        TestGateway gateway = TestGateway.start("""
                server.shutdown.drain-delay = 3s
                routes = [ { path = "/echo", endpoint = test-echo } ]
                """);
        URI ready = gateway.http("/health/ready");
        URI echo = gateway.http("/echo");
        assertThat(status(ready)).isEqualTo(200);
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(gateway::close);
        await().atMost(Duration.ofSeconds(2)).until(() -> status(ready) == 503);
        assertThat(status(echo)).as("requests are still served during the drain delay").isEqualTo(200);
        assertThat(stopping).isNotDone();
        stopping.get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> status(echo)).isInstanceOf(ConnectException.class);
    }
}
