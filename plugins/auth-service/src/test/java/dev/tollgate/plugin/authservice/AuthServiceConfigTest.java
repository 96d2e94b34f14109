package dev.tollgate.plugin.authservice;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.plugin.authservice.internal.AuthServiceFilterFactory;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The defaults are those reference.conf documents; every unacceptable value is refused at
 * start-up naming its key: unknown keys, a service that does not exist or is not gRPC, token
 * sources, a method the shipped proto or the descriptor set does not have, field paths that are
 * not there or have the wrong type.
 */
class AuthServiceConfigTest {
    private static final String ACME = """
            method = "acme.Auth/Check", descriptor-set = "descriptor-sets/acme-auth.pb"
            fields { token = "credentials.access_token", valid = ok, user-id = "user.id", roles = "user.roles", expires-at = exp,
                     claims = attributes, reason = why }
            """;

    private final ClassLoader loader = AuthServicePlugin.class.getClassLoader();
    private final TestingPluginContext context = new TestingPluginContext("auth-service")
            .withService("auth", "", "grpc://127.0.0.1:1")
            .withService("web", "", "http://127.0.0.1:1");

    @AfterEach
    void close() {
        context.close();
    }

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "filters.auth-service", "auth-service", hocon);
    }

    private void create(String hocon) throws Exception {
        new AuthServiceFilterFactory().create(config(hocon), context).close();
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        PluginConfig config = config("");
        assertThat(config.keys()).containsExactlyInAnyOrder("service", "token-from", "optional", "realm", "deadline", "on-unavailable",
                "cache", "method", "descriptor-set", "fields");
        assertThat(config.getString("service")).isEmpty();
        assertThat(config.getStringList("token-from")).containsExactly("header:Authorization");
        assertThat(config.getBoolean("optional")).isFalse();
        assertThat(config.getString("realm")).isEqualTo("tollgate");
        assertThat(config.getDuration("deadline")).isEqualTo(Duration.ofMillis(500));
        assertThat(config.getString("on-unavailable")).isEqualTo("fail-closed");
        assertThat(config.getDuration("cache.ttl")).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getDuration("cache.negative-ttl")).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.getInt("cache.max-entries")).isEqualTo(10_000);
        assertThat(config.getString("method")).isEqualTo("tollgate.auth.v1.AuthService/ValidateToken");
        assertThat(config.getString("descriptor-set")).isEmpty();
        assertThat(config.getStringMap("fields")).containsOnly(
                Map.entry("token", "token"), Map.entry("valid", "valid"), Map.entry("user-id", "user_id"),
                Map.entry("roles", "roles"), Map.entry("claims", "claims"),
                Map.entry("expires-at", "expires_at"), Map.entry("reason", "reason"));
    }

    @Test
    void theDocumentedExamplesCreate() throws Exception {
        create("""
                service = auth, token-from = ["header:Authorization", "cookie:access_token"], deadline = 500ms
                cache { ttl = 30s, max-entries = 10000 }, on-unavailable = allow-anonymous
                """);
        create("service = auth, token-from = [\"header:X-Api-Token\"], optional = true, cache { ttl = 0, negative-ttl = 0 }\n" + ACME);
        create("service = auth, fields { roles = \"\", claims = \"\", expires-at = \"\", reason = \"\" }");
    }

    @Test
    void refusesUnknownKeysNamingThePath() {
        assertThatThrownBy(() -> config("servce = auth"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service.servce")
                .hasMessageContaining("did you mean 'service'");
        assertThatThrownBy(() -> config("cache.ttls = 1s"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service.cache.ttls");
        assertThatThrownBy(() -> config("fields.user = x"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service.fields.user");
    }

    @Test
    void aServiceThatDoesNotExistIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> create("service = nope"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service.service: ")
                .hasMessageContaining("no service 'nope' in gateway.services")
                .hasMessageContaining("auth");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''                                                          | service        | missing
            service = web                                               | service        | is not a gRPC address
            service = auth, token-from = []                             | token-from     | at least one source
            service = auth, token-from = ["query:access_token"]         | token-from     | is not a token source
            service = auth, token-from = ["header:"]                    | token-from     | is not a token source
            service = auth, realm = "a\\"b"                             | realm          | printable ASCII
            service = auth, deadline = 0s                               | deadline       | must be positive
            service = auth, on-unavailable = allow                      | on-unavailable | fail-closed or allow-anonymous
            service = auth, cache.ttl = -1s                             | cache.ttl      | must not be negative
            service = auth, cache.max-entries = -1                      | cache.max-entries | must be 0
            service = auth, method = "Check"                            | method         | package.Service/Method
            service = auth, method = "acme.Auth/Check"                  | method         | service 'acme.Auth' is not in the shipped proto
            service = auth, method = "tollgate.auth.v1.AuthService/Check" | method       | has no method 'Check'
            service = auth, descriptor-set = "descriptor-sets/none.pb"  | descriptor-set | cannot read
            service = auth, fields.token = "access_token"               | fields.token   | has no field 'access_token'
            service = auth, fields.valid = "reason"                     | fields.valid   | must be a bool
            service = auth, fields.user-id = "valid.id"                 | fields.user-id | is not a message field
            service = auth, fields.roles = "user_id"                    | fields.roles   | must be a repeated string
            service = auth, fields.claims = "roles"                     | fields.claims  | must be a map
            service = auth, fields.expires-at = "reason"                | fields.expires-at | must be an integer
            service = auth, fields.user-id = ""                         | fields.user-id | must be a field name
            service = auth, fields.reason = "a..b"                      | fields.reason  | dotted path
            """)
    void refusesBadValuesNamingTheKey(String hocon, String key, String problem) {
        assertThatThrownBy(() -> create(hocon))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service." + key + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void aDescriptorSetMustDescribeTheMethodAndTheMappedFields() {
        assertThatThrownBy(() -> create("service = auth, method = \"acme.Auth/Verify\", descriptor-set = \"descriptor-sets/acme-auth.pb\""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service.method: ")
                .hasMessageContaining("has no method 'Verify'").hasMessageContaining("[Check]");
        assertThatThrownBy(() -> create("service = auth, method = \"acme.Auth/Check\", descriptor-set = \"descriptor-sets/acme-auth.pb\""))
                .as("the default field names are not acme's")
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service.fields.token: ")
                .hasMessageContaining("acme.CheckRequest has no field 'token'");
        assertThatThrownBy(() -> create("service = auth\n" + ACME + "\nfields.valid = \"user\""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.auth-service.fields.valid: ")
                .hasMessageContaining("must be a bool");
    }

    @Test
    void aFileThatIsNotADescriptorSetIsRefusedNamingTheKey() throws Exception {
        Path file = Files.createTempFile("not-a-descriptor-set", ".pb");
        try {
            Files.writeString(file, "this is not protobuf");
            assertThatThrownBy(() -> create("service = auth, descriptor-set = \"" + file + "\""))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("test.filters.auth-service.descriptor-set: ")
                    .hasMessageContaining("is not a descriptor set");
        }
        finally {
            Files.delete(file);
        }
    }

    @Test
    void aFilterNamingAMissingServiceStopsTheGatewayNamingTheKey() {
        assertThatThrownBy(() -> Gateways.start("""
                services { auth { backend = auth-service, instances = ["grpc://127.0.0.1:1"] } }
                filters { api-auth { type = auth-service, service = authn } }
                routes = [ { path = "/api/**", endpoint = test-echo, filters = [ api-auth ] } ]
                """))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.filters.api-auth.service: ")
                .hasMessageContaining("no service 'authn'");
    }

    @Test
    void theAuthServiceBackendTakesNoRoute() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertThatThrownBy(() -> Gateways.start("""
                services { auth { backend = auth-service, instances = ["grpc://127.0.0.1:%d"] } }
                routes = [ { path = "/auth/**", service = auth } ]
                """.formatted(port)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("backend = auth-service")
                .hasMessageContaining("takes no route");
        assertThatThrownBy(() -> Gateways.start("""
                services { auth { backend = auth-service, instances = ["http://127.0.0.1:%d"] } }
                """.formatted(port)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.services.auth")
                .hasMessageContaining("is not a gRPC address");
    }
}
