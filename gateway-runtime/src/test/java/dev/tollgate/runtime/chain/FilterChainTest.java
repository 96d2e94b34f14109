package dev.tollgate.runtime.chain;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The chain contract and the error shape, through a running gateway. */
class FilterChainTest {
    private static TestGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                routes = [
                  { path = "/ordered", endpoint = test-echo, filters = [
                      { name = test-tag, value = transform, order = 500 },
                      { name = test-tag, value = security, order = 100 },
                      { name = test-tag, value = rate-limit, order = 400 } ] }
                  { path = "/auth", endpoint = test-echo, filters = [ test-header-auth ] }
                  { path = "/twice", endpoint = test-echo, filters = [ test-proceed-twice ] }
                  { path = "/null", endpoint = test-echo, filters = [ test-null-stage ] }
                  { path = "/throws", endpoint = test-echo, filters = [ test-throwing ] }
                ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void filtersRunInOrderOfTheirOrderAndSeeTheResponseAfterProceed() throws Exception {
        HttpResponse<String> response = get("/ordered");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"x-tags\":\"security,rate-limit,transform\"");
        // Response headers are added as the stages unwind: innermost first.
        assertThat(response.headers().allValues("X-Tag")).containsExactly("transform", "rate-limit", "security");
    }

    @Test
    void aGatewayExceptionIsAnsweredInTheJsonShapeWithItsHeaders() throws Exception {
        HttpResponse<String> refused = get("/auth");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("X-User");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/json");
        String requestId = refused.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(refused.body()).isEqualTo(
                "{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"X-User required\",\"requestId\":\"" + requestId + "\"}}");

        HttpResponse<String> accepted = get("/auth", "X-User", "alice");
        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(accepted.body()).contains("\"principal\":\"alice\"");
    }

    @Test
    void contractViolationsFailTheExchangeAndNameTheFilter() throws Exception {
        for (String path : new String[] {"/twice", "/null", "/throws"}) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(500);
            assertThat(response.body()).as(path)
                    .contains("\"code\":\"INTERNAL_ERROR\"")
                    .doesNotContain("boom");
        }
    }

    @Test
    void requestIdsAreHonouredWhenSafeAndReplacedOtherwise() throws Exception {
        HttpResponse<String> kept = get("/ordered", "X-Request-Id", "abc-123.def:4_5");
        assertThat(kept.headers().firstValue("X-Request-Id")).hasValue("abc-123.def:4_5");
        assertThat(kept.body()).contains("\"requestId\":\"abc-123.def:4_5\"", "\"x-request-id\":\"abc-123.def:4_5\"");

        HttpResponse<String> replaced = get("/ordered", "X-Request-Id", "evil\u0009value");
        String generated = replaced.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(generated).matches("[0-9a-f]{32}");
        // The backend sees the same id the client got back.
        assertThat(replaced.body()).contains("\"x-request-id\":\"" + generated + "\"");
    }
}
