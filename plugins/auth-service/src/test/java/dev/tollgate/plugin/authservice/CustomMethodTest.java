package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.tollgate.plugin.authservice.Gateways.withToken;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Another method and message shape: {@code acme.Auth/Check} of the test proto, described by the
 * descriptor set the build generates from it (src/test/proto, protoc --include_imports), found
 * relative to the gateway's home, with the token and the verdict at mapped, nested field paths.
 */
class CustomMethodTest {
    private static final long IN_AN_HOUR = Instant.now().getEpochSecond() + 3600;

    private static AuthServer acme;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        acme = AuthServer.acme();
        acme.account("acme-token", new AuthServer.Account("u-42", List.of("reader", "writer"), Map.of("plan", "gold"), IN_AN_HOUR));
        gateway = Gateways.start("""
                services { acme-auth { backend = auth-service, instances = ["%s"] } }
                filters {
                  acme {
                    type = auth-service
                    service = acme-auth
                    method = "acme.Auth/Check"
                    deadline = 5s
                    # Relative to the gateway's home (-Dgateway.home, set by the build to target/generated-test-resources/protobuf).
                    descriptor-set = "descriptor-sets/acme-auth.pb"
                    fields {
                      token = "credentials.access_token"
                      valid = "ok"
                      user-id = "user.id"
                      roles = "user.roles"
                      expires-at = "exp"
                      claims = "attributes"
                      reason = "why"
                    }
                  }
                }
                routes = [ { path = "/acme/**", endpoint = test-echo, filters = [ acme, test-principal-headers ] } ]
                """.formatted(acme.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (acme != null) {
            acme.close();
        }
    }

    @Test
    void aValidTokenGivesThePrincipalFromTheMappedFields() throws Exception {
        HttpResponse<String> response = withToken(gateway, "/acme/x", "acme-token");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"u-42\"");
        assertThat(response.headers().firstValue("X-Principal-Roles")).contains("reader,writer");
        assertThat(response.headers().firstValue("X-Principal-Claims")).contains("expires_at=" + IN_AN_HOUR + ",plan=gold");
        assertThat(acme.calls("acme-token")).as("the token reached the nested request field").isEqualTo(1);
    }

    @Test
    void anInvalidTokenIsAnswered401WithTheMappedReason() throws Exception {
        HttpResponse<String> response = withToken(gateway, "/acme/x", "other-token");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(
                "Bearer realm=\"tollgate\", error=\"invalid_token\", error_description=\"revoked\"");
        assertThat(acme.calls("other-token")).isEqualTo(1);
    }
}
