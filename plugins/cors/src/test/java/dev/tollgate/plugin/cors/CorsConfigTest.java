package dev.tollgate.plugin.cors;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The defaults are those reference.conf documents; unknown keys and bad values are refused naming their path. */
class CorsConfigTest {
    private final ClassLoader loader = CorsPlugin.class.getClassLoader();

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "filters.cors", "cors", hocon);
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        PluginConfig config = config("");
        assertThat(config.getStringList("allowed-origins")).isEmpty();
        assertThat(config.getStringList("allowed-methods")).containsExactly("GET", "HEAD", "POST");
        assertThat(config.getStringList("allowed-headers")).isEmpty();
        assertThat(config.getStringList("exposed-headers")).isEmpty();
        assertThat(config.getBoolean("allow-credentials")).isFalse();
        assertThat(config.getDuration("max-age")).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.keys()).containsExactlyInAnyOrder("allowed-origins", "allowed-methods", "allowed-headers",
                "exposed-headers", "allow-credentials", "max-age");

        CorsSettings settings = CorsSettings.from(config);
        assertThat(settings.allowedOrigins().allows("https://app.example")).as("nothing is allowed by default").isFalse();
        assertThat(settings.allowedMethods()).containsExactly("GET", "HEAD", "POST");
        assertThat(settings.allowCredentials()).isFalse();
        assertThat(settings.maxAge()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void readsTheDocumentedExample() {
        CorsSettings settings = CorsSettings.from(config("""
                allowed-origins = ["https://app.example", "*.example.com", "regex:^https://.*\\\\.example\\\\.org$"]
                allowed-methods = [get, Post, PUT, put]
                allowed-headers = [Content-Type, X-Trace, content-type]
                exposed-headers = [X-Request-Id]
                allow-credentials = true
                max-age = 10m
                """));
        assertThat(settings.allowedOrigins().allows("https://x.example.org")).isTrue();
        assertThat(settings.allowedMethods()).as("upper-cased, once each").containsExactly("GET", "POST", "PUT");
        assertThat(settings.allowedHeaders()).as("once each, ignoring case").containsExactly("Content-Type", "X-Trace");
        assertThat(settings.exposedHeaders()).containsExactly("X-Request-Id");
        assertThat(settings.allowCredentials()).isTrue();
        assertThat(settings.maxAge()).isEqualTo(Duration.ofSeconds(600));
    }

    @Test
    void refusesUnknownKeysNamingThePath() {
        assertThatThrownBy(() -> config("allowed-origin = [\"https://app.example\"]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.cors.allowed-origin")
                .hasMessageContaining("did you mean 'allowed-origins'");
        assertThatThrownBy(() -> config("allow-credential = true"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("did you mean 'allow-credentials'");
    }

    @Test
    void refusesValuesOfTheWrongTypeNamingThePath() {
        assertThatThrownBy(() -> CorsSettings.from(config("allow-credentials = sometimes")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.cors.allow-credentials");
        assertThatThrownBy(() -> CorsSettings.from(config("max-age = soon")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.cors.max-age");
        assertThatThrownBy(() -> config("allowed-origins = { a = b }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.cors.allowed-origins");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            allowed-origins = ["*"], allow-credentials = true                 | allowed-origins | cannot be combined with allow-credentials
            allowed-origins = ["*", "https://app.example"]                     | allowed-origins | must be alone
            allowed-origins = ["https://app.example/"]                         | allowed-origins | an origin has no path
            allowed-origins = ["app.example"]                                  | allowed-origins | is not an origin
            allowed-origins = ["https://app-*.example.com"]                    | allowed-origins | is not a subdomain pattern
            allowed-origins = ["regex:(unclosed"]                              | allowed-origins | is not a valid regular expression
            allowed-methods = []                                               | allowed-methods | at least one method
            allowed-methods = ["GET POST"]                                     | allowed-methods | is not a valid method
            allowed-methods = ["*", GET]                                       | allowed-methods | must be alone
            allowed-headers = ["X-Bad Name"]                                   | allowed-headers | is not a valid header name
            exposed-headers = ["X-A:"]                                         | exposed-headers | is not a valid header name
            exposed-headers = ["*"], allow-credentials = true, allowed-origins = ["https://a.example"] | exposed-headers | cannot be combined with allow-credentials
            exposed-headers = ["*", X-A]                                       | exposed-headers | must be alone
            max-age = -1s                                                      | max-age         | must not be negative
            """)
    void refusesBadValuesNamingTheKey(String hocon, String key, String problem) {
        PluginConfig config = config(hocon);
        assertThatThrownBy(() -> CorsSettings.from(config))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.cors." + key + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void wildcardsAreAcceptedWithoutCredentials() {
        CorsSettings settings = CorsSettings.from(config(
                "allowed-origins = [\"*\"], allowed-methods = [\"*\"], allowed-headers = [\"*\"], exposed-headers = [\"*\"]"));
        assertThat(settings.allowedOrigins().allowsAnyOrigin()).isTrue();
        assertThat(settings.allowedMethods()).containsExactly("*");
    }

    @Test
    void maxAgeIsKeptInWholeSeconds() {
        assertThat(CorsSettings.from(config("max-age = 1500ms")).maxAge()).isEqualTo(Duration.ofSeconds(1));
        assertThat(CorsSettings.from(config("max-age = 0")).maxAge()).isZero();
    }
}
