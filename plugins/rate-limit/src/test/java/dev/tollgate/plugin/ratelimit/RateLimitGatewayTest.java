package dev.tollgate.plugin.ratelimit;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter with the local store in a running gateway, over real sockets: the RateLimit fields
 * on admitted, refused and error responses, the 429's JSON shape and Retry-After, keys on the
 * principal with a fallback to the address, on a header and on the route, and the legacy fields.
 */
class RateLimitGatewayTest {
    private static TestGateway gateway;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.builder()
                .plugin("rate-limit", new RateLimitPlugin())
                .config("""
                        filters {
                          per-ip { type = rate-limit, policies = [ { name = per-ip, key = ip, limit = 3, window = 1h } ] }
                          per-user {
                            type = rate-limit
                            legacy-headers = true
                            policies = [
                              { name = per-user, key = principal, limit = 2, window = 1h, fallback = anonymous }
                              { name = anonymous, key = ip, limit = 4, window = 1h }
                            ]
                          }
                          per-tenant-route {
                            type = rate-limit
                            policies = [ { name = tenant-route, key = ["header:X-Tenant", route], limit = 1, window = 1h,
                                           algorithm = token-bucket, burst = 1 } ]
                          }
                        }
                        routes = [
                          { id = limited, path = "/limited", endpoint = test-echo, filters = [per-ip] }
                          { id = failing, path = "/failing", endpoint = test-echo, filters = [ { type = rate-limit, policies = [ { name = per-ip, key = ip, limit = 3, window = 1h } ] }, test-throwing] }
                          { id = users, path = "/users", endpoint = test-echo, filters = [ { name = test-header-auth }, per-user ] }
                          { id = open-users, path = "/open-users", endpoint = test-echo, filters = [per-user] }
                          { id = tenant-a, path = "/tenant/a", endpoint = test-echo, filters = [per-tenant-route] }
                          { id = tenant-b, path = "/tenant/b", endpoint = test-echo, filters = [per-tenant-route] }
                          { id = refund, path = "/refund", endpoint = test-echo, filters = [
                              { type = rate-limit, policies = [ { name = first, key = ip, limit = 5, window = 1h }
                                                                { name = second, key = "header:X-Second", limit = 1, window = 1h } ] } ] }
                          { id = two-filters, path = "/two-filters", endpoint = test-echo, filters = [
                              { type = rate-limit, legacy-headers = true, policies = [ { name = outer, key = ip, limit = 5, window = 1m } ] }
                              { type = rate-limit, legacy-headers = true, policies = [ { name = inner, key = ip, limit = 2, window = 1m } ] } ] }
                        ]
                        """)
                .start();
        client = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void admitsTheLimitWithTheFieldsThenRefusesWith429() throws Exception {
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> admitted = get("/limited");
            assertThat(admitted.statusCode()).isEqualTo(200);
            assertThat(admitted.headers().firstValue("RateLimit-Policy")).hasValue("\"per-ip\";q=3;w=3600");
            assertThat(admitted.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-ip\";r=" + remaining + ";t=");
        }
        HttpResponse<String> refused = get("/limited");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("\"code\":\"TOO_MANY_REQUESTS\"").contains("per-ip");
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 7200L);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"per-ip\";q=3;w=3600");
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"per-ip\";r=0;t=" + retryAfter);
        assertThat(refused.headers().firstValue("X-RateLimit-Limit")).as("legacy fields are off by default").isEmpty();
    }

    @Test
    void fieldsOnErrorsOfLaterFilters() throws Exception {
        HttpResponse<String> failed = get("/failing");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).contains("INTERNAL_ERROR");
        assertThat(failed.headers().firstValue("RateLimit-Policy")).hasValue("\"per-ip\";q=3;w=3600");
        assertThat(failed.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-ip\";r=");
    }

    @Test
    void principalWithFallbackToTheAddressAndLegacyFields() throws Exception {
        assertThat(get("/users", "X-User", "alice").statusCode()).isEqualTo(200);
        HttpResponse<String> second = get("/users", "X-User", "alice");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("RateLimit")).hasValueSatisfying(value -> assertThat(value).startsWith("\"per-user\";r=0;").contains(", \"anonymous\";r=2;"));
        assertThat(second.headers().firstValue("RateLimit-Policy")).hasValue("\"per-user\";q=2;w=3600, \"anonymous\";q=4;w=3600");
        assertThat(second.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(second.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(second.headers().firstValue("X-RateLimit-Reset")).isPresent();
        assertThat(get("/users", "X-User", "alice").statusCode()).isEqualTo(429);
        assertThat(get("/users", "X-User", "bob").statusCode()).as("each principal has its own count").isEqualTo(200);

        // Authenticated requests count under anonymous too (it is listed): 3 of 4 so far, as the
        // refused request stopped at per-user. Without a principal, per-user falls back to
        // anonymous, which is checked once, though reached twice.
        HttpResponse<String> anonymous = get("/open-users");
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.headers().firstValue("RateLimit-Policy")).hasValue("\"anonymous\";q=4;w=3600");
        assertThat(get("/open-users").statusCode()).isEqualTo(429);
    }

    @Test
    void compositeKeyOfHeaderAndRouteSkippedWithoutTheHeader() throws Exception {
        assertThat(get("/tenant/a", "X-Tenant", "t1").statusCode()).isEqualTo(200);
        assertThat(get("/tenant/a", "X-Tenant", "t1").statusCode()).isEqualTo(429);
        assertThat(get("/tenant/b", "X-Tenant", "t1").statusCode()).as("another route").isEqualTo(200);
        assertThat(get("/tenant/a", "X-Tenant", "t2").statusCode()).as("another tenant").isEqualTo(200);
        HttpResponse<String> withoutKey = get("/tenant/a");
        assertThat(withoutKey.statusCode()).as("no X-Tenant: the policy is skipped").isEqualTo(200);
        assertThat(withoutKey.headers().firstValue("RateLimit")).isEmpty();
    }

    @Test
    void aRequestRefusedByALaterPolicyConsumesNothing() throws Exception {
        assertThat(get("/refund", "X-Second", "s").headers().firstValue("RateLimit").orElseThrow())
                .matches("\"first\";r=4;t=\\d+, \"second\";r=0;t=\\d+");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> refused = get("/refund", "X-Second", "s");
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("RateLimit").orElseThrow())
                    .as("first's unit given back").matches("\"first\";r=4;t=\\d+, \"second\";r=0;t=\\d+");
        }
        // Without X-Second only first is checked: it has counted the one admitted request.
        assertThat(get("/refund").headers().firstValue("RateLimit").orElseThrow()).matches("\"first\";r=3;t=\\d+");
    }

    @Test
    void twoFiltersListTheirPoliciesTogether() throws Exception {
        HttpResponse<String> first = get("/two-filters");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"outer\";q=5;w=60, \"inner\";q=2;w=60");
        assertThat(first.headers().allValues("RateLimit")).hasSize(1);
        assertThat(first.headers().firstValue("RateLimit").orElseThrow()).matches("\"outer\";r=4;t=\\d+, \"inner\";r=1;t=\\d+");
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).as("the tightest policy").hasValue("2");
        assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
        assertThat(get("/two-filters").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = get("/two-filters");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"outer\";q=5;w=60, \"inner\";q=2;w=60");
        assertThat(refused.headers().firstValue("RateLimit").orElseThrow()).matches("\"outer\";r=2;t=\\d+, \"inner\";r=0;t=\\d+");
        assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    }

    @Test
    void metricsOfDecisionsAndTrackedKeys() throws Exception {
        get("/tenant/a", "X-Tenant", "metrics");
        get("/tenant/a", "X-Tenant", "metrics");
        String metrics = get("/metrics").body();
        assertThat(metrics.lines().filter(line -> line.startsWith("tollgate_rate_limit_decisions")
                && line.contains("policy=\"tenant-route\"") && line.contains("outcome=\"admitted\"")))
                .as(metrics).isNotEmpty();
        assertThat(metrics.lines().filter(line -> line.startsWith("tollgate_rate_limit_decisions")
                && line.contains("policy=\"tenant-route\"") && line.contains("outcome=\"limited\"")))
                .as(metrics).isNotEmpty();
        assertThat(metrics.lines().filter(line -> line.startsWith("tollgate_rate_limit_tracked_keys") && !line.endsWith(" 0.0")
                && !line.endsWith(" 0")))
                .as(metrics).isNotEmpty();
    }
}
