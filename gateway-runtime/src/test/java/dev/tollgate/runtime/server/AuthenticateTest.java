package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Exchange.authenticate} through a running gateway: the {@code test-authenticate} endpoint
 * presents {@code X-Credential-*} headers as credentials and reports the outcome and how its own
 * exchange looked before and after.
 */
class AuthenticateTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String SECURITY = "security-" + RUN;
    private static final String RATE_LIMIT = "rate-limit-" + RUN;
    private static final String TRANSFORM = "transform-" + RUN;

    private static TestGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                routes = [
                  { path = "/authenticate", endpoint = test-authenticate, filters = [
                      { name = test-trail, value = "%s", order = 500 },
                      { name = test-trail, value = "%s", order = 400 },
                      test-token-auth,
                      { name = test-tag, value = screened, order = 100 },
                      { name = test-trail, value = "%s", order = 100 },
                      { name = test-answer, order = 150 } ] }
                  { path = "/header-auth", endpoint = test-authenticate, filters = [ test-header-auth ] }
                ]
                """.formatted(TRANSFORM, RATE_LIMIT, SECURITY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void aValidCredentialYieldsItsPrincipalAndLeavesTheExchangeAlone() throws Exception {
        HttpResponse<String> response = get("/authenticate", "Authorization", "Bearer user-alice",
                "X-Credential-Authorization", "Bearer user-bob");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, String> report = report(response);
        assertThat(report.get("outcome")).isEqualTo("principal bob token");
        assertThat(report.get("after")).isEqualTo(report.get("before"))
                .contains("\"principal\":\"alice\"", "\"authorization\":\"Bearer user-alice\"", "\"x-tags\":\"screened\"",
                        "trail=" + SECURITY + "," + RATE_LIMIT + "," + TRANSFORM, "status=200");
        // The copy's test-tag added its X-Tag to the copy's response, not to this one.
        assertThat(response.headers().allValues("X-Tag")).containsExactly("screened");
    }

    @Test
    void onlyFiltersBelowAuthorizationRun() throws Exception {
        int security = TestPlugin.trailRuns(SECURITY);
        int rateLimit = TestPlugin.trailRuns(RATE_LIMIT);
        int transform = TestPlugin.trailRuns(TRANSFORM);

        Map<String, String> report = report(get("/authenticate", "X-Credential-Authorization", "Bearer user-carol"));

        assertThat(report.get("outcome")).isEqualTo("principal carol token");
        // Once for the request, once for the authentication.
        assertThat(TestPlugin.trailRuns(SECURITY)).isEqualTo(security + 2);
        assertThat(TestPlugin.trailRuns(RATE_LIMIT)).isEqualTo(rateLimit + 1);
        assertThat(TestPlugin.trailRuns(TRANSFORM)).isEqualTo(transform + 1);
    }

    @Test
    void aRefusalFailsWithTheFiltersCodeAndHeaders() throws Exception {
        Map<String, String> invalid = report(get("/authenticate", "X-Credential-Authorization", "Bearer stolen"));
        assertThat(invalid.get("outcome")).isEqualTo("refused UNAUTHORIZED invalid token {WWW-Authenticate=Bearer error=\"invalid_token\"}");
        assertThat(invalid.get("after")).isEqualTo(invalid.get("before")).contains("\"principal\":\"\"");

        Map<String, String> forbidden = report(get("/authenticate", "Authorization", "Bearer user-alice",
                "X-Credential-Authorization", "Bearer forbidden-dave"));
        assertThat(forbidden.get("outcome")).isEqualTo("refused FORBIDDEN this token may not be used here {}");
        assertThat(forbidden.get("after")).isEqualTo(forbidden.get("before")).contains("\"principal\":\"alice\"");
    }

    @Test
    void noCredentialTheFiltersKnowYieldsNoPrincipal() throws Exception {
        Map<String, String> report = report(get("/authenticate", "X-Credential-X-Api-Key", "k-1"));

        assertThat(report.get("outcome")).isEqualTo("none");
        assertThat(report.get("after")).isEqualTo(report.get("before"));
    }

    @Test
    void theCopyCarriesTheRequestAsItArrivedWithTheCredentialsReplacingItsFields() throws Exception {
        // The request's own credential is still on the copy unless the presented ones replace it.
        Map<String, String> kept = report(get("/authenticate", "Authorization", "Bearer user-alice", "X-Credential-X-Other", "1"));
        assertThat(kept.get("outcome")).isEqualTo("principal alice token");
        Map<String, String> keptHeader = report(get("/header-auth", "X-User", "erin", "X-Credential-X-Token", "abc"));
        assertThat(keptHeader.get("outcome")).isEqualTo("principal erin header");

        Map<String, String> replaced = report(get("/header-auth", "X-User", "erin", "X-Credential-X-User", "frank"));
        assertThat(replaced.get("outcome")).isEqualTo("principal frank header");
        assertThat(replaced.get("after")).isEqualTo(replaced.get("before")).contains("\"principal\":\"erin\"", "\"x-user\":\"erin\"");
    }

    @Test
    void aFilterThatAnswersRefusesWithUnauthorized() throws Exception {
        HttpResponse<String> response = get("/authenticate", "Authorization", "Bearer user-alice", "X-Credential-X-Answer", "302");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Answered")).isEmpty();
        Map<String, String> report = report(response);
        assertThat(report.get("outcome")).isEqualTo("refused UNAUTHORIZED the credentials were not accepted {}");
        assertThat(report.get("after")).isEqualTo(report.get("before")).contains("status=200");
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).headers(headers).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The endpoint's report: {@code outcome}, {@code before} and {@code after}. */
    private static Map<String, String> report(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, String> report = new HashMap<>();
        for (String line : response.body().split("\n")) {
            int colon = line.indexOf(": ");
            report.put(line.substring(0, colon), line.substring(colon + 2));
        }
        assertThat(report).containsOnlyKeys("outcome", "before", "after");
        return report;
    }
}
