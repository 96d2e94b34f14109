package dev.tollgate.plugin.authorize;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.plugin.authapikey.ApiKeyPlugin;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The authorize filter in a running gateway, over real sockets, behind the api-key filter of the
 * same route, whose keys carry the roles and claims judged: roles any-of / all-of, scopes from
 * {@code scope} and {@code scp}, claims that match or not, 401 without a principal, 403 with one,
 * metrics. The hashes were made with coreutils' sha256sum ({@code printf %s KEY | sha256sum}).
 */
class AuthorizeGatewayTest {
    private static final String ADMIN_KEY = "admin-key-5c1e7a9b3d60";
    private static final String OPS_KEY = "ops-key-e29d41a7c853";
    private static final String READER_KEY = "reader-key-0b5e8d1c9a27";
    private static final String SCP_KEY = "scp-key-3a8f0d6b2c91";
    private static final String ACME_KEY = "acme-key-9d2b7f4e1a38";
    private static final String OTHER_KEY = "other-key-64c0e8a2f917";

    private static final String KEYS = """
            keys = [
              { sha256 = "2c57b3690b65c95717a43fe814036749c0e5323e078b9490e480c540a23d47b1", consumer = admin, roles = [admin, deploy] }
              { sha256 = "93a67758f652c64423f8bcf2cd96ffe88b6cca1dcf22e755606c2a1c345bef6a", consumer = ops, roles = [deploy] }
              { sha256 = "8c66dbaa845c2edacb48457aa271a4f334f5fce0906b5a6cbce47468a2c85956", consumer = reader, roles = [read],
                claims { scope = "orders:read orders:list", tenant = acme } }
              { sha256 = "ebc1a82a8e7e3a8932067b379401ae3565ce67f900437a046bfe494ffdac2ab0", consumer = scp-client,
                claims { scp = ["orders:read", "orders:write"] } }
              { sha256 = "bf6671346e2c559853bd2118d6b466cbfb98569983d8bea792c04a1d843164a1", consumer = acme-bot,
                claims { tenant = [globex, acme], scp = "orders:write", scope = "orders:read" } }
              { sha256 = "0dabe9f28adab04f4327c049395bbd2e2816ec4e707ae02f33c51461afa74c4d", consumer = other,
                claims { tenant = globex, level = 3, verified = true } }
            ]""";

    private static TestGateway gateway;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.builder()
                .plugin("auth-api-key", new ApiKeyPlugin())
                .plugin("authorize", new AuthorizePlugin())
                .config("""
                        filters {
                          keys { type = api-key, %1$s }
                          optional-keys { type = api-key, optional = true, %1$s }
                          admins { type = authorize, realm = "admin-area", roles.all-of = [admin] }
                        }
                        routes = [
                          { path = "/any-role/**", endpoint = test-echo, filters = [ keys, { type = authorize, roles.any-of = [admin, deploy] } ] }
                          { path = "/all-roles/**", endpoint = test-echo, filters = [ keys, { type = authorize, roles.all-of = [admin, deploy] } ] }
                          { path = "/both-roles/**", endpoint = test-echo,
                            filters = [ keys, { type = authorize, roles { any-of = [read, deploy], all-of = [admin] } } ] }
                          { path = "/scope-any/**", endpoint = test-echo,
                            filters = [ keys, { type = authorize, scopes.any-of = ["orders:write", "orders:admin"] } ] }
                          { path = "/scope-all/**", endpoint = test-echo,
                            filters = [ keys, { type = authorize, scopes.all-of = ["orders:read", "orders:write"] } ] }
                          { path = "/tenant/**", endpoint = test-echo, filters = [ keys, { type = authorize, claims { tenant = acme } } ] }
                          { path = "/typed/**", endpoint = test-echo, filters = [ keys, { type = authorize, claims { level = 3, verified = true } } ] }
                          { path = "/authenticated/**", endpoint = test-echo, filters = [ optional-keys, authorize ] }
                          { path = "/unauthenticated/**", endpoint = test-echo, filters = [ { type = authorize, realm = "api" } ] }
                          { path = "/admin/**", endpoint = test-echo, filters = [ admins, keys ] }
                        ]
                        """.formatted(KEYS))
                .start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @ParameterizedTest(name = "{0} with {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /any-role/x   | admin-key-5c1e7a9b3d60  | 200 |
            /any-role/x   | ops-key-e29d41a7c853    | 200 |
            /any-role/x   | reader-key-0b5e8d1c9a27 | 403 | roles.any-of
            /all-roles/x  | admin-key-5c1e7a9b3d60  | 200 |
            /all-roles/x  | ops-key-e29d41a7c853    | 403 | roles.all-of
            /both-roles/x | admin-key-5c1e7a9b3d60  | 200 |
            /both-roles/x | ops-key-e29d41a7c853    | 403 | roles.all-of
            /both-roles/x | reader-key-0b5e8d1c9a27 | 403 | roles.all-of
            /admin/x      | admin-key-5c1e7a9b3d60  | 200 |
            /admin/x      | ops-key-e29d41a7c853    | 403 | roles.all-of
            """)
    void rolesAnyOfAndAllOf(String path, String key, int status, String rule) throws Exception {
        assertDecision(path, key, status, rule);
    }

    @ParameterizedTest(name = "{0} with {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /scope-any/x | scp-key-3a8f0d6b2c91    | 200 |
            /scope-any/x | acme-key-9d2b7f4e1a38   | 200 |
            /scope-any/x | reader-key-0b5e8d1c9a27 | 403 | scopes.any-of
            /scope-any/x | admin-key-5c1e7a9b3d60  | 403 | scopes.any-of
            /scope-all/x | scp-key-3a8f0d6b2c91    | 200 |
            /scope-all/x | acme-key-9d2b7f4e1a38   | 200 |
            /scope-all/x | reader-key-0b5e8d1c9a27 | 403 | scopes.all-of
            """)
    void scopesFromTheScopeStringAndTheScpListOrString(String path, String key, int status, String rule) throws Exception {
        // scp-client: scp = [orders:read, orders:write]; acme-bot: scp = "orders:write" and scope = "orders:read", together;
        // reader: scope = "orders:read orders:list"; admin: no scope claim at all.
        assertDecision(path, key, status, rule);
    }

    @ParameterizedTest(name = "{0} with {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /tenant/x | reader-key-0b5e8d1c9a27 | 200 |
            /tenant/x | acme-key-9d2b7f4e1a38   | 200 |
            /tenant/x | other-key-64c0e8a2f917  | 403 | claims.tenant
            /tenant/x | admin-key-5c1e7a9b3d60  | 403 | claims.tenant
            /typed/x  | other-key-64c0e8a2f917  | 200 |
            /typed/x  | reader-key-0b5e8d1c9a27 | 403 | claims.level
            """)
    void claimsMatchAStringANumberABooleanOrAListHoldingTheValue(String path, String key, int status, String rule) throws Exception {
        // reader: tenant = acme; acme-bot: tenant = [globex, acme]; other: tenant = globex, level = 3, verified = true; admin: no tenant.
        assertDecision(path, key, status, rule);
    }

    @Test
    void aForbiddenAnswerNamesTheRuleNotThePrincipalsData() throws Exception {
        HttpResponse<String> response = send("/tenant/x", OTHER_KEY);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
        assertThat(response.body()).contains("\"code\":\"FORBIDDEN\"", "\"requestId\":", "rule claims.tenant is not met")
                .doesNotContain("globex", "other", "acme");
    }

    @Test
    void withoutAPrincipalIt401sWithABearerChallenge() throws Exception {
        HttpResponse<String> anonymous = send("/authenticated/x", null);
        assertThat(anonymous.statusCode()).as("the optional api-key let it through without a principal").isEqualTo(401);
        assertThat(anonymous.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"tollgate\"");
        assertThat(anonymous.body()).contains("\"code\":\"UNAUTHORIZED\"", "authentication required");

        HttpResponse<String> authenticated = send("/authenticated/x", READER_KEY);
        assertThat(authenticated.statusCode()).as("no rule: any principal").isEqualTo(200);
        assertThat(authenticated.body()).contains("\"principal\":\"reader\"");

        HttpResponse<String> noAuthentication = send("/unauthenticated/x", ADMIN_KEY);
        assertThat(noAuthentication.statusCode()).as("no authentication filter on the route").isEqualTo(401);
        assertThat(noAuthentication.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"api\"");
    }

    @Test
    void authenticationRunsFirstWhateverTheListOrder() throws Exception {
        // /admin lists authorize before api-key; the orders AUTHENTICATION < AUTHORIZATION decide.
        HttpResponse<String> missingKey = send("/admin/x", null);
        assertThat(missingKey.statusCode()).isEqualTo(401);
        assertThat(missingKey.headers().allValues("WWW-Authenticate")).as("the api-key filter refused first").containsExactly("ApiKey realm=\"tollgate\"");
        assertThat(send("/admin/x", ADMIN_KEY).body()).contains("\"principal\":\"admin\"");
    }

    @Test
    void identityHeadersAClientSendsGrantNothing() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway.http("/any-role/x"))
                .header("X-API-Key", READER_KEY).header("X-User-Id", "admin").header("X-User-Roles", "admin,deploy").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("rule roles.any-of is not met");
    }

    @Test
    void countsDecisionsByInstanceAndOutcome() throws Exception {
        send("/admin/metrics", ADMIN_KEY);
        send("/admin/metrics", OPS_KEY);
        send("/authenticated/metrics", null);
        send("/scope-any/metrics", READER_KEY);
        send("/tenant/metrics", OTHER_KEY);

        String metrics = send("/metrics", null).body();
        assertThat(metrics)
                .containsPattern("tollgate_authorize_decisions_total\\{filter=\"gateway.filters.admins\",outcome=\"allowed\"} [1-9]")
                .containsPattern("tollgate_authorize_decisions_total\\{filter=\"gateway.filters.admins\",outcome=\"missing_role\"} [1-9]")
                .containsPattern("tollgate_authorize_decisions_total\\{filter=\"gateway.routes\\[7].filters\\[1]\",outcome=\"no_principal\"} [1-9]")
                .containsPattern("tollgate_authorize_decisions_total\\{filter=\"gateway.routes\\[3].filters\\[1]\",outcome=\"missing_scope\"} [1-9]")
                .containsPattern("tollgate_authorize_decisions_total\\{filter=\"gateway.routes\\[5].filters\\[1]\",outcome=\"claim_mismatch\"} [1-9]");
    }

    @Test
    void aBadRuleStopsStartUpNamingItsKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("authorize", new AuthorizePlugin())
                .config("routes = [ { path = \"/x\", endpoint = test-echo, filters = [ { type = authorize, roles.any-of = [\"\"] } ] } ]")
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].roles.any-of");
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("authorize", new AuthorizePlugin())
                .config("""
                        filters { strict { type = authorize, scopes { one-of = [a] } } }
                        routes = [ { path = "/x", endpoint = test-echo, filters = [ strict ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.filters.strict.scopes.one-of");
    }

    private static void assertDecision(String path, String key, int status, String rule) throws Exception {
        HttpResponse<String> response = send(path, key);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        if (status == 200) {
            assertThat(response.body()).contains("\"path\":\"" + path + "\"");
        }
        else {
            assertThat(response.body()).contains("\"code\":\"FORBIDDEN\"", "rule " + rule + " is not met");
        }
    }

    /** A GET over HTTP/1.1 with {@code key} in X-API-Key, or none when null. */
    private static HttpResponse<String> send(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
