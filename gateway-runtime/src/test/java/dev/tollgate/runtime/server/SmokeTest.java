package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @Test
    void echoes() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                routes = [ { path = "/echo/{id}/**", endpoint = test-echo, filters = [ test-tag ] } ]
                """)) {
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/echo/42/a/b?x=1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(response.statusCode() + " " + response.headers().map() + "\n" + response.body());
            assertThat(response.statusCode()).isEqualTo(200);
            HttpResponse<String> missing = client.send(HttpRequest.newBuilder(gateway.http("/nope")).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(missing.statusCode() + " " + missing.body());
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(gateway.http("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(health.statusCode() + " " + health.body());
            HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(gateway.http("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(metrics.statusCode() + " " + metrics.body().lines().filter(l -> l.contains("tollgate_http")).toList());
        }
    }
}
