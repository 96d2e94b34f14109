package dev.tollgate.plugin.authorize;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.plugin.authorize.AuthorizeSettings.Rule;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The defaults are those reference.conf documents; rules read as written; bad values are refused naming their path. */
class AuthorizeConfigTest {
    private final ClassLoader loader = AuthorizePlugin.class.getClassLoader();

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "filters.authorize", "authorize", hocon);
    }

    @Test
    void defaultsAreDocumentedInReferenceConfAndAreNoRule() {
        PluginConfig config = config("");
        assertThat(config.keys()).containsExactlyInAnyOrder("roles", "scopes", "claims", "realm");

        AuthorizeSettings settings = AuthorizeSettings.from(config);
        assertThat(settings.roles().isEmpty()).isTrue();
        assertThat(settings.scopes().isEmpty()).isTrue();
        assertThat(settings.claims()).isEmpty();
        assertThat(settings.realm()).isEqualTo("tollgate");
    }

    @Test
    void readsRules() {
        AuthorizeSettings settings = AuthorizeSettings.from(config("""
                roles { any-of = [read, write], all-of = [staff] }
                scopes.all-of = ["orders:read"]
                claims { tenant = acme, level = 3 }
                realm = api
                """));
        assertThat(settings.roles()).isEqualTo(new Rule(Set.of("read", "write"), Set.of("staff")));
        assertThat(settings.scopes()).isEqualTo(new Rule(Set.of(), Set.of("orders:read")));
        assertThat(settings.claims()).as("by name").containsExactly(Map.entry("level", "3"), Map.entry("tenant", "acme"));
        assertThat(settings.realm()).isEqualTo("api");
    }

    @Test
    void aRuleNamesThePartNotMet() {
        Rule rule = new Rule(Set.of("a", "b"), Set.of("c", "d"));
        assertThat(rule.unmetBy(Set.of("a", "c", "d"))).isNull();
        assertThat(rule.unmetBy(Set.of("c", "d"))).isEqualTo("any-of");
        assertThat(rule.unmetBy(Set.of("b", "c"))).isEqualTo("all-of");
        assertThat(new Rule(Set.of(), Set.of()).unmetBy(Set.of())).isNull();
    }

    @Test
    void scopesComeFromScopeAndScpAsStringsOrLists() {
        assertThat(AuthorizeFilter.scopes(Map.of("scope", "a  b c"))).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(AuthorizeFilter.scopes(Map.of("scp", List.of("a", "b")))).containsExactlyInAnyOrder("a", "b");
        assertThat(AuthorizeFilter.scopes(Map.of("scp", "a b", "scope", List.of("c")))).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(AuthorizeFilter.scopes(Map.of("scope", 3, "scp", Map.of("a", "b")))).isEmpty();
    }

    @Test
    void claimsMatchScalarsAsTextAndListsByMembership() {
        assertThat(AuthorizeFilter.claimMatches("acme", "acme")).isTrue();
        assertThat(AuthorizeFilter.claimMatches("Acme", "acme")).isFalse();
        assertThat(AuthorizeFilter.claimMatches(3, "3")).isTrue();
        assertThat(AuthorizeFilter.claimMatches(true, "true")).isTrue();
        assertThat(AuthorizeFilter.claimMatches(List.of("globex", "acme"), "acme")).isTrue();
        assertThat(AuthorizeFilter.claimMatches(List.of("globex"), "acme")).isFalse();
        assertThat(AuthorizeFilter.claimMatches(null, "acme")).isFalse();
        assertThat(AuthorizeFilter.claimMatches(Map.of("acme", "acme"), "acme")).isFalse();
    }

    @Test
    void refusesBadValuesNamingTheirPath() {
        assertThatThrownBy(() -> AuthorizeSettings.from(config("roles.any-of = [\"\"]")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.authorize.roles.any-of");
        assertThatThrownBy(() -> AuthorizeSettings.from(config("scopes.all-of = [\"a b\"]")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.authorize.scopes.all-of");
        assertThatThrownBy(() -> AuthorizeSettings.from(config("claims { tenant { a = b } }")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.authorize.claims.\"tenant\"");
        assertThatThrownBy(() -> AuthorizeSettings.from(config("realm = \"\"")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("test.filters.authorize.realm");
        assertThatThrownBy(() -> config("role { any-of = [a] }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.authorize.role")
                .hasMessageContaining("did you mean 'roles'");
    }
}
