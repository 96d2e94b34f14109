package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jwt.SignedJWT;
import dev.tollgate.api.Principal;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The principal a valid token gives (subject, roles in their accepted shapes, claims), and the clock checks at their edges. */
class TokenValidatorTest {
    private static final Instant NOW = Instant.parse("2026-12-07T08:00:00Z");

    private static TokenValidator validator(String extra, Clock clock) {
        JwtSettings settings = JwtSettings.from(TestingPluginContext.componentConfig(JwtPlugin.class.getClassLoader(), "filters.jwt", "jwt", """
                issuer = "%s", audiences = ["%s"]
                keys = [ { kid = rsa-1, algorithm = RS256, public-key = \"""%s\""" } ]
                %s
                """.formatted(TestKeys.ISSUER, TestKeys.AUDIENCE, TestKeys.pem(TestKeys.RSA), extra)), Path.of("").toAbsolutePath());
        return new TokenValidator(settings, List.of(), clock);
    }

    private static Principal principal(TokenValidator validator, String token) throws Exception {
        return validator.validate(token).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static Reason refusal(TokenValidator validator, String token) {
        try {
            validator.validate(token).toCompletableFuture().join();
        }
        catch (CompletionException e) {
            if (e.getCause() instanceof TokenRefusedException refused) {
                return refused.reason();
            }
            throw e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void thePrincipalCarriesSubjectRolesAndClaims() throws Exception {
        String token = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, TestKeys.claims()
                .claim("email", "alice@example.com")
                .claim("tenant", Map.of("id", 42, "tags", List.of("a", "b")))
                .claim("nothing", null)
                .build());

        Principal principal = principal(validator("", Clock.systemUTC()), token);

        assertThat(principal.name()).isEqualTo("alice");
        assertThat(principal.scheme()).isEqualTo("jwt");
        assertThat(principal.roles()).containsExactlyInAnyOrder("admin", "reader");
        assertThat(principal.claims()).containsEntry("email", "alice@example.com")
                .containsEntry("iss", TestKeys.ISSUER)
                .containsEntry("sub", "alice")
                .containsKeys("exp", "iat", "aud", "roles")
                .doesNotContainKey("nothing");
        assertThat(principal.claims().get("tenant")).isEqualTo(Map.of("id", 42L, "tags", List.of("a", "b")));
        assertThatThrownBy(() -> ((Map<String, Object>) principal.claims().get("tenant")).put("x", 1))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            roles                   | ["a", "b"]                          | a,b
            roles                   | "a b  c"                            | a,b,c
            roles                   | "a,b, c"                            | a,b,c
            scope                   | "read:things write:things"          | read:things,write:things
            realm_access.roles      | {"roles": ["x", "y"]}               | x,y
            https://example.com/roles | ["admin"]                         | admin
            roles                   | 42                                  | ''
            roles                   | [1, "a", null]                      | a
            """)
    void rolesComeFromAnArrayOrASeparatedString(String claim, String json, String expected) throws Exception {
        String name = claim.contains(".") && !claim.startsWith("https") ? claim.substring(0, claim.indexOf('.')) : claim;
        Object value = com.nimbusds.jose.util.JSONObjectUtils.parse("{\"v\":" + json + "}").get("v");
        String token = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, TestKeys.claims().claim("roles", null).claim(name, value).build());

        Principal principal = principal(validator("roles-claim = \"" + claim + "\"", Clock.systemUTC()), token);

        assertThat(principal.roles()).containsExactlyInAnyOrderElementsOf(expected.isEmpty() ? List.of() : List.of(expected.split(",")));
    }

    @ParameterizedTest
    @EnumSource(SigningAlgorithm.class)
    void everyAlgorithmVerifiesWithItsKeyAndOnlyWithIt(SigningAlgorithm algorithm) throws Exception {
        JWK key = switch (algorithm) {
            case HS256, HS384, HS512 -> new OctetSequenceKey.Builder(new byte[algorithm.minimumSecretBytes()]).keyID("k").build();
            case RS256, RS384, RS512, PS256, PS384, PS512 -> TestKeys.RSA;
            case ES256 -> TestKeys.EC_256;
            case ES384 -> TestKeys.EC_384;
            case ES512 -> TestKeys.EC_521;
            case EdDSA -> TestKeys.ED25519;
        };
        VerificationKey verificationKey = VerificationKey.of("k", key, Set.of(algorithm), "test");
        TokenValidator validator = new TokenValidator(settingsWith(verificationKey), List.of(), Clock.systemUTC());
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm.jws()).keyID("k").build(), TestKeys.claims().build());
        jwt.sign(key instanceof OctetSequenceKey secret ? new MACSigner(secret) : TestKeys.signer(key));

        assertThat(principal(validator, jwt.serialize()).name()).isEqualTo("alice");

        SigningAlgorithm other = algorithm == SigningAlgorithm.HS256 ? SigningAlgorithm.HS384 : SigningAlgorithm.HS256;
        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(other.jws()).keyID("k").build(), TestKeys.claims().build());
        confused.sign(new MACSigner(new byte[64]));
        assertThat(refusal(validator, confused.serialize())).isEqualTo(Reason.ALGORITHM_REFUSED);
    }

    /** The test settings with {@code key} as the only key. */
    private static JwtSettings settingsWith(VerificationKey key) {
        JwtSettings base = JwtSettings.from(TestingPluginContext.componentConfig(JwtPlugin.class.getClassLoader(), "filters.jwt", "jwt", """
                issuer = "%s", audiences = ["%s"], jwks-url = "https://keys.example/jwks.json"
                """.formatted(TestKeys.ISSUER, TestKeys.AUDIENCE)), Path.of("").toAbsolutePath());
        return new JwtSettings(base.issuer(), base.audiences(), List.of(key), null, false, base.jwksAlgorithms(),
                base.jwksRefreshInterval(), base.jwksMinRefreshInterval(), base.jwksTimeout(), false, base.leeway(),
                base.requireExpiration(), base.requiredClaims(), base.subjectClaim(), base.rolesClaim(), base.tokenSources(),
                base.optional(), base.realm(), base.maxTokenSize());
    }

    @Test
    void anotherSubjectClaimAndRequiredClaims() throws Exception {
        TokenValidator validator = validator("subject-claim = email, required-claims = [jti]", Clock.systemUTC());
        String withJti = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, TestKeys.claims().claim("email", "a@example.com").jwtID("1").build());
        assertThat(principal(validator, withJti).name()).isEqualTo("a@example.com");

        String withoutJti = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, TestKeys.claims().claim("email", "a@example.com").build());
        assertThat(refusal(validator, withoutJti)).isEqualTo(Reason.MISSING_CLAIM);
        String numericSubject = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, TestKeys.claims().claim("email", 7).jwtID("1").build());
        assertThat(refusal(validator, numericSubject)).isEqualTo(Reason.MISSING_CLAIM);
    }

    @Test
    void expiryIsCheckedWithTheLeewayAtItsEdges() {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        TokenValidator validator = validator("leeway = 30s", clock);
        String expiredAt = token(NOW.minusSeconds(30), null);
        String expiresInAMoment = token(NOW.minusSeconds(29), null);
        String validInAMoment = token(NOW.plus(Duration.ofMinutes(5)), NOW.plusSeconds(30));
        String notYetValid = token(NOW.plus(Duration.ofMinutes(5)), NOW.plusSeconds(31));

        assertThat(refusal(validator, expiredAt)).isEqualTo(Reason.EXPIRED);
        assertThat(validator.validate(expiresInAMoment).toCompletableFuture().join().name()).isEqualTo("alice");
        assertThat(validator.validate(validInAMoment).toCompletableFuture().join().name()).isEqualTo("alice");
        assertThat(refusal(validator, notYetValid)).isEqualTo(Reason.NOT_YET_VALID);

        TokenValidator lenient = validator("require-expiration = false", clock);
        String noExpiry = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, TestKeys.claims().expirationTime(null).issueTime(Date.from(NOW)).build());
        assertThat(lenient.validate(noExpiry).toCompletableFuture().join().name()).isEqualTo("alice");
    }

    @Test
    void messagesNameTheCheckAndAtMostTheKid() {
        assertThat(TokenValidator.printable("k1")).isEqualTo("k1");
        assertThat(TokenValidator.printable("a\"b\\c\r\nd")).isEqualTo("a?b?c??d");
        assertThat(TokenValidator.printable("x".repeat(100))).hasSize(67).endsWith("...");
    }

    private static String token(Instant expires, Instant notBefore) {
        return TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, TestKeys.claims()
                .issueTime(Date.from(NOW.minusSeconds(600)))
                .expirationTime(Date.from(expires))
                .notBeforeTime(notBefore == null ? null : Date.from(notBefore))
                .build());
    }
}
