package dev.tollgate.plugin.authapikey;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.Principal;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.tollgate.plugin.authapikey.ApiKeyGatewayTest.CI_HASH;
import static dev.tollgate.plugin.authapikey.ApiKeyGatewayTest.READER_HASH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The defaults are those reference.conf documents; keys become principals; bad values are refused naming their path. */
class ApiKeyConfigTest {
    private final ClassLoader loader = ApiKeyPlugin.class.getClassLoader();

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "filters.api-key", "api-key", hocon);
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        PluginConfig config = config("");
        assertThat(config.keys()).containsExactlyInAnyOrder("header", "keys", "optional", "strip", "realm", "query-parameter");

        ApiKeySettings settings = ApiKeySettings.from(config);
        assertThat(settings.header()).isEqualTo("X-API-Key");
        assertThat(settings.queryParameter()).as("off").isNull();
        assertThat(settings.keys()).isEmpty();
        assertThat(settings.optional()).isFalse();
        assertThat(settings.strip()).isTrue();
        assertThat(settings.realm()).isEqualTo("tollgate");
    }

    @Test
    void eachKeyBecomesAPrincipalWithItsRolesAndClaimsAndTheConsumerClaim() {
        ApiKeySettings settings = ApiKeySettings.from(config("""
                header = X-Gateway-Key, query-parameter = api_key, optional = true, strip = false, realm = "partners"
                keys = [
                  { sha256 = "%s", consumer = ci-bot, roles = [deploy, read] }
                  { sha256 = "%s", consumer = reader, claims { tenant = acme, scp = [orders.read], level = 3, nested { a = [1] } } }
                ]
                """.formatted(CI_HASH, READER_HASH.toUpperCase())));

        assertThat(settings.header()).isEqualTo("X-Gateway-Key");
        assertThat(settings.queryParameter()).isEqualTo("api_key");
        assertThat(settings.optional()).isTrue();
        assertThat(settings.strip()).isFalse();
        assertThat(settings.realm()).isEqualTo("partners");
        assertThat(settings.keys()).hasSize(2);
        assertThat(settings.keys().get(0).sha256()).isEqualTo(HexFormat.of().parseHex(CI_HASH));
        assertThat(settings.keys().get(0).principal())
                .isEqualTo(Principal.of("ci-bot", "api-key", Set.of("deploy", "read"), Map.of("consumer", "ci-bot")));
        assertThat(settings.keys().get(1).sha256()).as("upper case accepted").isEqualTo(HexFormat.of().parseHex(READER_HASH));
        Principal reader = settings.keys().get(1).principal();
        assertThat(reader.roles()).isEmpty();
        assertThat(reader.claims()).isEqualTo(Map.of("consumer", "reader", "tenant", "acme", "scp", List.of("orders.read"), "level", 3,
                "nested", Map.of("a", List.of(1))));
        assertThatThrownBy(() -> ((List<Object>) reader.claims().get("scp")).add("admin"))
                .as("claims handed out cannot be changed").isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void refusesBadValuesNamingTheirPath() {
        assertThatThrownBy(() -> ApiKeySettings.from(config("header = \"X API Key\"")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.api-key.header");
        assertThatThrownBy(() -> ApiKeySettings.from(config("query-parameter = \"\"")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.api-key.query-parameter");
        assertThatThrownBy(() -> ApiKeySettings.from(config("realm = \"a\\\"b\"")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.api-key.realm");
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { consumer = ci-bot } ]")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.api-key.keys")
                .hasMessageContaining("keys[0] (consumer 'ci-bot').sha256: missing");
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { sha256 = \"%s\" } ]".formatted(CI_HASH))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("keys[0].consumer: must be a non-empty name");
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { sha256 = \"%s\", consumer = \"  \" } ]".formatted(CI_HASH))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("keys[0].consumer: must be a non-empty name");
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { sha256 = \"%s\", consumer = x, roles = [\"\"] } ]".formatted(CI_HASH))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("keys[0] (consumer 'x').roles");
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { sha256 = \"%s\", consumer = x, claims { consumer = y } } ]"
                .formatted(CI_HASH))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("keys[0] (consumer 'x').claims.consumer");
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { sha256 = \"%s\", consumer = x, claims { tenant = null } } ]"
                .formatted(CI_HASH))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("keys[0] (consumer 'x').claims.tenant");
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { sha256 = \"%s\", consumer = x, colour = red } ]".formatted(CI_HASH))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.api-key.keys[0].colour");
        String notHex = "g" + CI_HASH.substring(1);
        assertThatThrownBy(() -> ApiKeySettings.from(config("keys = [ { sha256 = \"%s\", consumer = x } ]".formatted(notHex))))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("must be 64 hex digits")
                .hasMessageNotContaining(notHex.substring(0, 8));
    }
}
