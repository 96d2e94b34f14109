package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.tollgate.plugin.authservice.Gateways.counter;
import static dev.tollgate.plugin.authservice.Gateways.get;
import static dev.tollgate.plugin.authservice.Gateways.metric;
import static dev.tollgate.plugin.authservice.Gateways.withToken;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter in a running gateway before the runtime's test-echo endpoint, against a real gRPC
 * authentication service on loopback (the shipped proto): the principal reaches the backend, an
 * invalid or missing token is answered 401 with its RFC 6750 challenge, and verdicts are cached.
 * Each test uses tokens of its own, so that the service's per-token call counts tell the cache's
 * story.
 */
class AuthServiceGatewayTest {
    private static final long IN_AN_HOUR = Instant.now().getEpochSecond() + 3600;

    private static AuthServer auth;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        auth = AuthServer.tollgate();
        gateway = Gateways.start("""
                services {
                  auth { backend = auth-service, instances = ["%s"] }
                }
                filters {
                  auth {
                    type = auth-service
                    service = auth
                    token-from = ["header:Authorization", "cookie:access_token"]
                    realm = "tollgate-test"
                    deadline = 5s   # generous: a loaded machine; deadlines are UnavailableServiceTest's
                  }
                  optional-auth { type = auth-service, service = auth, optional = true, deadline = 5s }
                }
                routes = [
                  { path = "/api/**", endpoint = test-echo, filters = [ auth, test-principal-headers ] }
                  { path = "/open/**", endpoint = test-echo, filters = [ optional-auth, test-principal-headers ] }
                  { path = "/late-credentials", endpoint = test-authenticate, filters = [ optional-auth ] }
                ]
                """.formatted(auth.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (auth != null) {
            auth.close();
        }
    }

    @Test
    void aValidTokenReachesTheBackendWithTheUsersPrincipal() throws Exception {
        auth.account("tok-alice", new AuthServer.Account("alice", List.of("user", "admin"), Map.of("tenant", "acme"), IN_AN_HOUR));

        HttpResponse<String> response = withToken(gateway, "/api/orders", "tok-alice");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).as("the endpoint saw the principal").contains("\"principal\":\"alice\"");
        assertThat(response.headers().firstValue("X-Principal")).contains("alice auth-service");
        assertThat(response.headers().firstValue("X-Principal-Roles")).contains("admin,user");
        assertThat(response.headers().firstValue("X-Principal-Claims")).contains("expires_at=" + IN_AN_HOUR + ",tenant=acme");
        assertThat(auth.calls("tok-alice")).isEqualTo(1);
    }

    @Test
    void theTokenMayComeFromACookie() throws Exception {
        auth.account("tok-cookie", "carol", List.of(), Map.of());

        HttpResponse<String> response = get(gateway, "/api/x", "Cookie", "theme=dark; access_token=tok-cookie");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Principal")).contains("carol auth-service");
        assertThat(response.headers().firstValue("X-Principal-Claims")).as("no expires_at when the service gave none").contains("");
    }

    @Test
    void anInvalidTokenIsAnswered401WithTheChallengeAndTheServicesReasonButNeverTheToken() throws Exception {
        HttpResponse<String> response = withToken(gateway, "/api/orders", "tok-forged-123");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body()).contains("\"code\":\"UNAUTHORIZED\"").contains("token [token] is unknown");
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(
                "Bearer realm=\"tollgate-test\", error=\"invalid_token\", error_description=\"token [token] is unknown\"");
        assertThat(response.body() + response.headers().map()).doesNotContain("tok-forged-123");
        assertThat(auth.calls("tok-forged-123")).isEqualTo(1);
    }

    @Test
    void aRequestWithoutATokenIsAnswered401WithoutCallingTheService() throws Exception {
        int before = auth.calls();

        HttpResponse<String> none = get(gateway, "/api/orders");
        HttpResponse<String> basic = get(gateway, "/api/orders", "Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l");
        HttpResponse<String> emptyBearer = get(gateway, "/api/orders", "Authorization", "Bearer ");

        for (HttpResponse<String> response : List.of(none, basic, emptyBearer)) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("\"code\":\"UNAUTHORIZED\"");
            assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"tollgate-test\"");
        }
        assertThat(auth.calls()).isEqualTo(before);
    }

    @Test
    void verdictsAreCachedPerToken() throws Exception {
        auth.account("tok-cached-1", "dave", List.of("user"), Map.of());
        auth.account("tok-cached-2", "erin", List.of("user"), Map.of());
        String hits = counter("cache_hits", "service=\"auth\"");
        double hitsBefore = metric(gateway, hits);

        assertThat(withToken(gateway, "/api/a", "tok-cached-1").statusCode()).isEqualTo(200);
        HttpResponse<String> again = withToken(gateway, "/api/b", "tok-cached-1");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("X-Principal")).contains("dave auth-service");
        assertThat(auth.calls("tok-cached-1")).as("the second request did not call the service").isEqualTo(1);

        HttpResponse<String> other = withToken(gateway, "/api/c", "tok-cached-2");
        assertThat(other.headers().firstValue("X-Principal")).contains("erin auth-service");
        assertThat(auth.calls("tok-cached-2")).as("another token is another call").isEqualTo(1);

        assertThat(withToken(gateway, "/api/d", "tok-refused").statusCode()).isEqualTo(401);
        assertThat(withToken(gateway, "/api/d", "tok-refused").statusCode()).isEqualTo(401);
        assertThat(auth.calls("tok-refused")).as("invalid verdicts are cached too").isEqualTo(1);

        assertThat(metric(gateway, hits) - hitsBefore).isEqualTo(2);
    }

    @Test
    void concurrentRequestsWithOneTokenShareOneCall() throws Exception {
        auth.account("tok-burst", "ivy", List.of("user"), Map.of());
        auth.delay(300);
        try {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                responses.add(Gateways.CLIENT.sendAsync(HttpRequest.newBuilder(gateway.http("/api/burst/" + i))
                        .header("Authorization", "Bearer tok-burst").timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> response : responses) {
                assertThat(response.get(20, TimeUnit.SECONDS).headers().firstValue("X-Principal")).contains("ivy auth-service");
            }
        }
        finally {
            auth.delay(0);
        }
        assertThat(auth.calls("tok-burst")).isEqualTo(1);
    }

    @Test
    void filtersKeepTheirOwnCache() throws Exception {
        auth.account("tok-two-filters", "frank", List.of(), Map.of());

        assertThat(withToken(gateway, "/api/x", "tok-two-filters").statusCode()).isEqualTo(200);
        assertThat(withToken(gateway, "/open/x", "tok-two-filters").statusCode()).isEqualTo(200);
        assertThat(withToken(gateway, "/open/x", "tok-two-filters").statusCode()).isEqualTo(200);

        assertThat(auth.calls("tok-two-filters")).isEqualTo(2);
    }

    @Test
    void optionalAuthenticationLetsRequestsWithoutATokenGoOnAnonymousButNotInvalidOnes() throws Exception {
        auth.account("tok-optional", "grace", List.of("user"), Map.of());

        HttpResponse<String> anonymous = get(gateway, "/open/x");
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.headers().firstValue("X-Principal")).contains("none");
        assertThat(anonymous.body()).contains("\"principal\":\"\"");

        assertThat(withToken(gateway, "/open/x", "tok-optional").headers().firstValue("X-Principal")).contains("grace auth-service");

        HttpResponse<String> invalid = withToken(gateway, "/open/x", "tok-bad-optional");
        assertThat(invalid.statusCode()).isEqualTo(401);
        assertThat(invalid.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value)
                .startsWith("Bearer realm=\"tollgate\", error=\"invalid_token\""));
    }

    @Test
    void credentialsPresentedAfterTheRequestAreValidatedThroughExchangeAuthenticate() throws Exception {
        // As the WebSocket hub does with a token in a client's first message.
        auth.account("tok-late-credential", "jude", List.of("user"), Map.of());

        HttpResponse<String> valid = get(gateway, "/late-credentials", "X-Credential-Authorization", "Bearer tok-late-credential");
        assertThat(valid.body()).contains("outcome: principal jude auth-service");

        HttpResponse<String> invalid = get(gateway, "/late-credentials", "X-Credential-Authorization", "Bearer tok-late-unknown");
        assertThat(invalid.body()).contains("outcome: refused UNAUTHORIZED")
                .contains("WWW-Authenticate=Bearer realm=\"tollgate\", error=\"invalid_token\"")
                .contains("error_description=\"token [token] is unknown\"");
    }

    @Test
    void validationsAreCountedByOutcomeAndTimed() throws Exception {
        auth.account("tok-metrics", "heidi", List.of(), Map.of());
        String valid = counter("validations", "outcome=\"valid\",service=\"auth\"");
        String invalid = counter("validations", "outcome=\"invalid\",service=\"auth\"");
        String misses = counter("cache_misses", "service=\"auth\"");
        double validBefore = metric(gateway, valid);
        double invalidBefore = metric(gateway, invalid);
        double missesBefore = metric(gateway, misses);

        withToken(gateway, "/api/x", "tok-metrics");
        withToken(gateway, "/api/x", "tok-metrics-unknown");

        assertThat(metric(gateway, valid) - validBefore).isEqualTo(1);
        assertThat(metric(gateway, invalid) - invalidBefore).isEqualTo(1);
        assertThat(metric(gateway, misses) - missesBefore).isEqualTo(2);
        assertThat(Gateways.metrics(gateway)).containsPattern("(?m)^tollgate_auth_service_validation_duration\\S*_count\\{service=\"auth\"\\} [1-9]");
    }
}
