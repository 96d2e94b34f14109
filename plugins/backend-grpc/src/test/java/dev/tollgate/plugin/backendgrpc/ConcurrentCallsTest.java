package dev.tollgate.plugin.backendgrpc;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many keep-alive clients calling at once over several channels: the gateway goes on answering.
 * With grpc-java's direct executor, a call's listener ran on its transport's thread holding the
 * transport's lock, and what it completed ran on: the response written, the client's next request
 * on the same connection handled inline, a call started on another channel — whose transport,
 * doing the same towards the first, held the other lock. Two transports deadlocked and every call
 * on them hung.
 *
 * <p>Timeouts: a regression hangs the calls and the gateway's stop, not the build.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConcurrentCallsTest {
    private static ProjectsServer server;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        server = ProjectsServer.start();
        gateway = Gateways.start("""
                services.projects { backend = grpc, instances = ["%s"], schema.descriptor-sets = ["%s"]
                                    channels { min = 4, max = 4, streams-per-channel = 1 } }
                routes = [ { path = "/**", service = projects } ]
                """.formatted(server.url(), Gateways.DESCRIPTOR_SET));
    }

    @AfterAll
    @Timeout(60)
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void keepAliveClientsCallingAtOnceOverSeveralChannelsAllGetAnswers() throws Exception {
        int clients = 16;
        int callsEach = 300;
        AtomicInteger answered = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(threads.submit(() -> {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    HttpRequest request = HttpRequest.newBuilder(Gateways.uri(gateway, "/v1/echo"))
                            .timeout(Duration.ofSeconds(20))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hi\"}"))
                            .build();
                    for (int i = 0; i < callsEach; i++) {
                        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        assertThat(response.statusCode()).isEqualTo(200);
                        answered.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(120, TimeUnit.SECONDS);
            }
        }
        finally {
            threads.shutdownNow();
        }
        assertThat(answered.get()).isEqualTo(clients * callsEach);
    }
}
