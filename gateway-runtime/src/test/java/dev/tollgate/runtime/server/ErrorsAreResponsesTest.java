package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Errors are responses that travel back through the filters that ran: a filter's headers are on
 * a backend's 502, on a later filter's own 429 (with that filter's own headers), and — for
 * gateway-wide filters — on routing's 404, 405, 413 and 414, through real sockets.
 */
class ErrorsAreResponsesTest {
    private static TestGateway gateway;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        gateway = TestGateway.start("""
                server.limits { max-request-body-size = 100, max-uri-length = 200 }
                global-filters = [ { type = test-tag, value = everywhere, order = 100 } ]
                services { gone { backend = test-upstream, instances = ["http://127.0.0.1:%d"], retries.attempts = 1 } }
                routes = [
                  { path = "/gone/**", service = gone, filters = [ { type = test-tag, value = route } ] }
                  { path = "/limited", endpoint = test-echo, filters = [
                      { type = test-tag, value = before-limit, order = 300 }
                      { type = test-refuse, status = 429, headers { Retry-After = "7", X-RateLimit-Remaining = "0" } }
                      { type = test-tag, value = never, order = 450 } ] }
                  { path = "/only-get", methods = [GET], endpoint = test-echo }
                  { path = "/ok", endpoint = test-echo }
                ]
                """.formatted(closedPort));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBackendFailureCarriesTheHeadersOfEveryFilterThatRan() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(gateway.http("/gone/x")));
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().allValues("X-Tag")).containsExactly("route", "everywhere");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body()).contains("\"code\":\"BAD_GATEWAY\"")
                .contains("\"requestId\":\"" + response.headers().firstValue("X-Request-Id").orElseThrow() + "\"");
        assertThat(response.headers().firstValue("Content-Length")).hasValue(Integer.toString(response.body().length()));
    }

    @Test
    void aFiltersOwnRefusalKeepsItsHeadersAndGetsThoseOfTheFiltersBeforeIt() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(gateway.http("/limited")));
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(response.headers().allValues("X-Tag")).as("the filters before the refusal, not the one after it")
                .containsExactly("before-limit", "everywhere");
        assertThat(response.body()).contains("\"code\":\"TOO_MANY_REQUESTS\"");
    }

    @Test
    void gatewayWideFiltersSeeRequestsThatMatchNoRoute() throws Exception {
        HttpResponse<String> notFound = send(HttpRequest.newBuilder(gateway.http("/nowhere")));
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().allValues("X-Tag")).containsExactly("everywhere");
        assertThat(notFound.body()).contains("\"code\":\"NOT_FOUND\"");

        HttpResponse<String> notAllowed = send(HttpRequest.newBuilder(gateway.http("/only-get")).DELETE());
        assertThat(notAllowed.statusCode()).isEqualTo(405);
        assertThat(notAllowed.headers().firstValue("Allow")).hasValue("GET");
        assertThat(notAllowed.headers().allValues("X-Tag")).containsExactly("everywhere");
    }

    @Test
    void limitsRefusedByRoutingTravelThroughGatewayWideFilters() throws Exception {
        HttpResponse<String> tooLarge = send(HttpRequest.newBuilder(gateway.http("/ok"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(101))));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.headers().allValues("X-Tag")).containsExactly("everywhere");

        HttpResponse<String> tooLong = send(HttpRequest.newBuilder(gateway.http("/ok?q=" + "a".repeat(300))));
        assertThat(tooLong.statusCode()).isEqualTo(414);
        assertThat(tooLong.headers().allValues("X-Tag")).containsExactly("everywhere");

        try (RawHttp raw = new RawHttp(gateway.gateway().httpPort())) {
            raw.send("GET /ok HTTP/1.1\r\nHost: localhost\r\nX_Smuggled: 1\r\n\r\n");
            RawHttp.Response underscore = raw.read();
            assertThat(underscore.status()).isEqualTo(400);
            assertThat(underscore.headers()).containsEntry("x-tag", "everywhere");
        }
    }

    @Test
    void aSuccessfulResponseGetsTheHeadersToo() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(gateway.http("/ok")));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().allValues("X-Tag")).containsExactly("everywhere");
    }

    @Test
    void systemEndpointsSkipGatewayWideFiltersUnlessConfigured() throws Exception {
        HttpResponse<String> health = send(HttpRequest.newBuilder(gateway.http("/health")));
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().allValues("X-Tag")).isEmpty();

        try (TestGateway behind = TestGateway.start("""
                system.global-filters = true
                global-filters = [ { type = test-tag, value = all } ]
                """)) {
            HttpResponse<String> filtered = send(HttpRequest.newBuilder(behind.http("/health/live")));
            assertThat(filtered.statusCode()).isEqualTo(200);
            assertThat(filtered.headers().allValues("X-Tag")).containsExactly("all");
            HttpResponse<String> refused = send(HttpRequest.newBuilder(behind.http("/metrics")).POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(refused.statusCode()).isEqualTo(405);
            assertThat(refused.headers().allValues("X-Tag")).containsExactly("all");
        }
    }

    @Test
    void theErrorIsVisibleToFiltersOnTheWayBack() throws Exception {
        try (TestGateway counted = TestGateway.start("""
                global-filters = [ { type = test-counted, value = errors-visible } ]
                """)) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(counted.http("/missing")));
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.headers().firstValue("X-Error")).hasValue("NOT_FOUND");
        }
    }

    /** A URI for the gateway's clear-text port. */
    static URI uri(String path) {
        return gateway.http(path);
    }
}
