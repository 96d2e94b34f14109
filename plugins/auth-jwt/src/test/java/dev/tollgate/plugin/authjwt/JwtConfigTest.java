package dev.tollgate.plugin.authjwt;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The defaults are those reference.conf documents; bad values stop start-up naming their key. */
class JwtConfigTest {
    private static final String HS = "{ kid = k1, algorithm = HS256, secret = \"" + TestKeys.HMAC_SECRET + "\" }";

    private final ClassLoader loader = JwtPlugin.class.getClassLoader();

    private PluginConfig config(String hocon) {
        return TestingPluginContext.componentConfig(loader, "filters.jwt", "jwt", hocon);
    }

    private JwtSettings settings(String hocon) {
        return JwtSettings.from(config(hocon), Path.of("").toAbsolutePath());
    }

    @Test
    void defaultsAreDocumentedInReferenceConf() {
        PluginConfig config = config("");
        assertThat(config.has("issuer")).isFalse();
        assertThat(config.has("jwks-url")).isFalse();
        assertThat(config.getStringList("audiences")).isEmpty();
        assertThat(config.getConfigList("keys")).isEmpty();
        assertThat(config.getBoolean("oidc-discovery")).isFalse();
        assertThat(config.getStringList("jwks-algorithms"))
                .containsExactly("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");
        assertThat(config.getDuration("jwks-refresh-interval")).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.getDuration("jwks-min-refresh-interval")).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getDuration("jwks-timeout")).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.getBoolean("allow-insecure-jwks")).isFalse();
        assertThat(config.getDuration("leeway")).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getBoolean("require-expiration")).isTrue();
        assertThat(config.getStringList("required-claims")).isEmpty();
        assertThat(config.getString("subject-claim")).isEqualTo("sub");
        assertThat(config.getString("roles-claim")).isEqualTo("roles");
        assertThat(config.getStringList("token-from")).containsExactly("header:Authorization");
        assertThat(config.getBoolean("optional")).isFalse();
        assertThat(config.getString("realm")).isEqualTo("tollgate");
        assertThat(config.getBytes("max-token-size")).isEqualTo(8192);

        JwtSettings settings = settings("issuer = \"https://id.example.com\", keys = [" + HS + "]");
        assertThat(settings.keys()).singleElement().satisfies(key -> {
            assertThat(key.kid()).isEqualTo("k1");
            assertThat(key.algorithms()).containsExactly(SigningAlgorithm.HS256);
        });
        assertThat(settings.tokenSources()).containsExactly(new TokenSource.Header("Authorization"));
        assertThat(settings.hasRemoteKeys()).isFalse();
    }

    @Test
    void readsTheDocumentedExample(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve("conf/keys"));
        Files.writeString(home.resolve("conf/keys/k2.pem"), TestKeys.pem(TestKeys.RSA));
        JwtSettings settings = JwtSettings.from(config("""
                issuer = "https://id.example.com"
                audiences = ["tollgate"]
                keys = [ { kid = "k1", algorithm = HS256, secret = "%s" }
                         { kid = "k2", algorithm = RS256, public-key-file = "conf/keys/k2.pem" }
                         { kid = "k3", algorithm = ES384, public-key = "%s" }
                         { kid = "k4", algorithm = EdDSA, public-key = "%s" } ]
                jwks-url = "https://id.example.com/.well-known/jwks.json"
                oidc-discovery = true
                leeway = 30s, required-claims = [sub], roles-claim = roles, subject-claim = sub
                token-from = [ "header:Authorization", "cookie:access_token", "query:access_token" ]
                """.formatted(TestKeys.HMAC_SECRET, TestKeys.pem(TestKeys.EC_384).replace("\n", "\\n"),
                TestKeys.pem(TestKeys.ED25519).replace("\n", "\\n"))), home);
        assertThat(settings.keys()).extracting(VerificationKey::kid).containsExactly("k1", "k2", "k3", "k4");
        assertThat(settings.keys().get(1).algorithms()).containsExactly(SigningAlgorithm.RS256);
        assertThat(settings.jwksUrl()).hasToString("https://id.example.com/.well-known/jwks.json");
        assertThat(settings.oidcDiscovery()).isTrue();
        assertThat(settings.requiredClaims()).containsExactly("sub");
        assertThat(settings.tokenSources()).containsExactly(new TokenSource.Header("Authorization"),
                new TokenSource.Cookie("access_token"), new TokenSource.Query("access_token"));
    }

    @Test
    void relativeKeyFilesStartAtTheGatewayHome(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve("k.pem"), TestKeys.pem(TestKeys.EC_256));
        String hocon = "issuer = \"https://id.example.com\", keys = [ { kid = k, algorithm = ES256, public-key-file = k.pem } ]";
        assertThat(JwtSettings.from(config(hocon), home).keys()).hasSize(1);
        assertThatThrownBy(() -> JwtSettings.from(config(hocon), home.resolve("elsewhere")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt.keys[0].public-key-file: ")
                .hasMessageContaining("cannot read");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            keys = [ { kid = k1, algorithm = HS256, secret = "x" } ]                                    | issuer                     | is required
            issuer = "https://i", keys = []                                                            | keys                       | no key source
            issuer = "https://i", keys = [ { kid = k1, algorithm = HS257, secret = "x" } ]             | keys[0].algorithm          | unknown algorithm 'HS257'
            issuer = "https://i", keys = [ { kid = k1, algorithm = hs256, secret = "x" } ]             | keys[0].algorithm          | did you mean HS256
            issuer = "https://i", keys = [ { kid = k1, algorithm = none, secret = "x" } ]              | keys[0].algorithm          | 'none' is never accepted
            issuer = "https://i", keys = [ { kid = k1, algorithm = NONE, secret = "x" } ]              | keys[0].algorithm          | 'none' is never accepted
            issuer = "https://i", keys = [ { kid = k1, algorithm = HS256, secret = "too short" } ]     | keys[0].secret             | at least 32 bytes
            issuer = "https://i", keys = [ { kid = k1, algorithm = HS512, secret = "0123456789abcdef0123456789abcdef0123456789abcdef" } ] | keys[0].secret | at least 64 bytes
            issuer = "https://i", keys = [ { kid = k1, algorithm = RS256, secret = "0123456789abcdef0123456789abcdef" } ] | keys[0].secret | verifies with a public key
            issuer = "https://i", keys = [ { kid = k1, algorithm = RS256, public-key = "not a key" } ] | keys[0].public-key         | is not a PEM public key
            issuer = "https://i", keys = [ { kid = k1, algorithm = RS256, public-key = "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----" } ] | keys[0].public-key | is not a readable RSA public key
            issuer = "https://i", keys = [ { kid = k1, algorithm = RS256, public-key = "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----" } ] | keys[0].public-key | give the public key only
            issuer = "https://i", keys = [ { kid = k1, algorithm = RS256 } ]                           | keys[0].public-key         | is required for RS256
            issuer = "https://i", keys = [ { kid = k1, algorithm = RS256, public-key-file = "/nonexistent/k.pem" } ] | keys[0].public-key-file | cannot read
            issuer = "https://i", keys = [ { kid = k1, secret = "x" } ]                                | keys[0].algorithm          | is required
            issuer = "https://i", keys = [ { kid = k1, algorithm = HS256, secret = "0123456789abcdef0123456789abcdef", colour = red } ] | keys[0].colour | unknown setting
            issuer = "https://i", keys = [ { kid = "", algorithm = HS256, secret = "0123456789abcdef0123456789abcdef" } ] | keys[0].kid | must not be empty
            issuer = "https://i", jwks-url = "http://keys.example.com/jwks.json"                       | jwks-url                   | must use https
            issuer = "https://i", jwks-url = "ftp://keys.example.com/jwks.json"                        | jwks-url                   | absolute https:// URL
            issuer = "http://id.example.com", oidc-discovery = true                                    | issuer                     | must use https
            issuer = "https://i", jwks-url = "https://k", jwks-algorithms = [HS256]                    | jwks-algorithms            | must not be published
            issuer = "https://i", jwks-url = "https://k", jwks-algorithms = []                         | jwks-algorithms            | at least one algorithm
            issuer = "https://i", jwks-url = "https://k", jwks-refresh-interval = 0s                   | jwks-refresh-interval      | must be positive
            issuer = "https://i", jwks-url = "https://k", jwks-min-refresh-interval = 10m              | jwks-min-refresh-interval  | must not be longer
            issuer = "https://i", jwks-url = "https://k", leeway = 1h                                  | leeway                     | at most 5m
            issuer = "https://i", jwks-url = "https://k", token-from = ["body:token"]                  | token-from                 | must be header:<name>
            issuer = "https://i", jwks-url = "https://k", token-from = []                              | token-from                 | at least one place
            issuer = "https://i", jwks-url = "https://k", realm = "a\\"b"                               | realm                      | printable ASCII
            issuer = "https://i", jwks-url = "https://k", max-token-size = 1MiB                        | max-token-size             | between 64B and 64KiB
            issuer = "https://i", jwks-url = "https://k", subject-claim = ""                           | subject-claim              | must not be empty
            """)
    void refusesBadValuesNamingTheKey(String hocon, String key, String problem) {
        PluginConfig config = config(hocon);
        assertThatThrownBy(() -> JwtSettings.from(config, Path.of("").toAbsolutePath()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt." + key + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void refusesKeysThatDoNotFitTheirAlgorithm() {
        String smallRsa = TestKeys.pem(rsa1024()).replace("\n", "\\n");
        assertThatThrownBy(() -> settings("issuer = \"https://i\", keys = [ { kid = k, algorithm = RS256, public-key = \"" + smallRsa + "\" } ]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt.keys[0].public-key: ")
                .hasMessageContaining("at least 2048");
        String p256 = TestKeys.pem(TestKeys.EC_256).replace("\n", "\\n");
        assertThatThrownBy(() -> settings("issuer = \"https://i\", keys = [ { kid = k, algorithm = ES384, public-key = \"" + p256 + "\" } ]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt.keys[0].public-key: ")
                .hasMessageContaining("P-384");
        String rsa = TestKeys.pem(TestKeys.RSA).replace("\n", "\\n");
        assertThatThrownBy(() -> settings("issuer = \"https://i\", keys = [ { kid = k, algorithm = ES256, public-key = \"" + rsa + "\" } ]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt.keys[0].public-key: ");
        assertThatThrownBy(() -> settings("issuer = \"https://i\", keys = [ { kid = k, algorithm = HS256, public-key = \"" + rsa + "\" } ]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt.keys[0].public-key: ")
                .hasMessageContaining("give secret");
    }

    @Test
    void refusesTheSameKidTwice() {
        assertThatThrownBy(() -> settings("issuer = \"https://i\", keys = [" + HS + ", " + HS + "]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt.keys[1].kid: ")
                .hasMessageContaining("'k1' is given twice");
    }

    @Test
    void plainHttpIsAcceptedOnLoopbackOrWhenAllowed() {
        assertThat(settings("issuer = \"https://i\", jwks-url = \"http://127.0.0.1:8080/jwks\"").jwksUrl()).hasToString("http://127.0.0.1:8080/jwks");
        assertThat(settings("issuer = \"https://i\", jwks-url = \"http://localhost/jwks\"").jwksUrl()).hasToString("http://localhost/jwks");
        assertThat(settings("issuer = \"https://i\", jwks-url = \"http://[::1]:80/jwks\"").jwksUrl()).hasToString("http://[::1]:80/jwks");
        assertThat(settings("issuer = \"https://i\", jwks-url = \"http://keys.internal/jwks\", allow-insecure-jwks = true").jwksUrl())
                .hasToString("http://keys.internal/jwks");
        assertThat(JwtSettings.isLoopback("127.evil.example")).isFalse();
        assertThat(JwtSettings.isLoopback("10.0.0.1")).isFalse();
    }

    @Test
    void refusesUnknownKeysNamingThePath() {
        assertThatThrownBy(() -> config("isuer = \"https://i\""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.filters.jwt.isuer")
                .hasMessageContaining("did you mean 'issuer'");
    }

    private static com.nimbusds.jose.jwk.RSAKey rsa1024() {
        try {
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            java.security.KeyPair pair = generator.generateKeyPair();
            return new com.nimbusds.jose.jwk.RSAKey.Builder((java.security.interfaces.RSAPublicKey) pair.getPublic()).build();
        }
        catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
