package dev.tollgate.plugin.backendhttp;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/** Header rules and path rewriting through a running gateway to a WireMock backend. */
class HeadersAndPathsTest {
    private static WireMockServer backend;
    private static TestGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/plain").withBody("hello")));
        gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                services { api { backend = http, instances = ["http://127.0.0.1:%d"] } }
                routes = [
                  { path = "/api/**", service = { name = api, strip-prefix = "/api" } }
                ]
                """.formatted(backend.port())).start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    @Test
    void forwardsAGet() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/api/users/7?q=a%20b&x=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello");
        LoggedRequest received = backend.getAllServeEvents().get(0).getRequest();
        assertThat(received.getUrl()).isEqualTo("/users/7?q=a%20b&x=1");
    }
}
