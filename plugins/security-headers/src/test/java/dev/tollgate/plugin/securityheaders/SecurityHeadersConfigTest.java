package dev.tollgate.plugin.securityheaders;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.plugin.securityheaders.SecurityHeadersSettings.Header;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The defaults are those reference.conf documents; unknown keys and bad values are refused naming their path. */
class SecurityHeadersConfigTest {
    private static final String PERMISSIONS_POLICY =
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

    private final ClassLoader loader = SecurityHeadersPlugin.class.getClassLoader();

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "filters.security-headers", "security-headers", hocon);
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        PluginConfig config = config("");
        assertThat(config.keys()).containsExactlyInAnyOrder("strict-transport-security", "content-security-policy", "x-frame-options",
                "x-content-type-options", "referrer-policy", "permissions-policy", "remove", "override-backend");

        SecurityHeadersSettings settings = SecurityHeadersSettings.from(config);
        assertThat(settings.strictTransportSecurity()).isEqualTo("max-age=31536000; includeSubDomains");
        assertThat(settings.headers()).containsExactly(
                new Header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                new Header("X-Frame-Options", "DENY"),
                new Header("X-Content-Type-Options", "nosniff"),
                new Header("Referrer-Policy", "no-referrer"),
                new Header("Permissions-Policy", PERMISSIONS_POLICY));
        assertThat(settings.remove()).containsExactly("Server", "X-Powered-By");
        assertThat(settings.overrideBackend()).isTrue();
    }

    @Test
    void anEmptyValueTurnsAHeaderOff() {
        SecurityHeadersSettings settings = SecurityHeadersSettings.from(config("""
                strict-transport-security = "", content-security-policy = "", x-frame-options = ""
                x-content-type-options = "", referrer-policy = "", permissions-policy = "", remove = []
                """));
        assertThat(settings.strictTransportSecurity()).isNull();
        assertThat(settings.headers()).isEmpty();
        assertThat(settings.remove()).isEmpty();
    }

    @Test
    void readsOverrides() {
        SecurityHeadersSettings settings = SecurityHeadersSettings.from(config("""
                strict-transport-security = "max-age=\\"600\\"; includeSubDomains; preload"
                x-frame-options = sameorigin
                referrer-policy = "no-referrer, strict-origin-when-cross-origin"
                remove = [Server, X-AspNet-Version]
                override-backend = false
                """));
        assertThat(settings.strictTransportSecurity()).isEqualTo("max-age=\"600\"; includeSubDomains; preload");
        assertThat(settings.headers()).contains(new Header("X-Frame-Options", "sameorigin"),
                new Header("Referrer-Policy", "no-referrer, strict-origin-when-cross-origin"));
        assertThat(settings.remove()).containsExactly("Server", "X-AspNet-Version");
        assertThat(settings.overrideBackend()).isFalse();
    }

    @Test
    void refusesUnknownKeysNamingThePath() {
        assertThatThrownBy(() -> config("x-frame-option = DENY"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.security-headers.x-frame-option")
                .hasMessageContaining("did you mean 'x-frame-options'");
        assertThatThrownBy(() -> config("hsts = \"max-age=1\""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.security-headers.hsts");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            content-security-policy = "default-src 'none'\\r\\nSet-Cookie: a=b"  | content-security-policy   | only visible ASCII
            permissions-policy = "camera=()\\n"                                  | permissions-policy        | only visible ASCII
            content-security-policy = "default-src \\u00e9"                      | content-security-policy   | only visible ASCII
            referrer-policy = " no-referrer"                                     | referrer-policy           | white space
            x-frame-options = off                                                | x-frame-options           | write "" to not send the header
            content-security-policy = none                                       | content-security-policy   | write "" to not send the header
            strict-transport-security = false                                    | strict-transport-security | write "" to not send the header
            strict-transport-security = "includeSubDomains"                      | strict-transport-security | max-age=<seconds>
            strict-transport-security = "max-age=forever"                        | strict-transport-security | max-age=<seconds>
            x-frame-options = "ALLOW-FROM https://a.example"                     | x-frame-options           | must be DENY or SAMEORIGIN
            x-content-type-options = sniff                                       | x-content-type-options    | must be nosniff
            referrer-policy = "no-referrer, sometimes"                           | referrer-policy           | is not a referrer policy
            remove = ["X Powered By"]                                            | remove                    | is not a valid header name
            override-backend = maybe                                             | override-backend          | true or false
            """)
    void refusesBadValuesNamingTheKey(String hocon, String key, String problem) {
        assertThatThrownBy(() -> SecurityHeadersSettings.from(config(hocon)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.security-headers." + key + ": ")
                .hasMessageContaining(problem);
    }
}
