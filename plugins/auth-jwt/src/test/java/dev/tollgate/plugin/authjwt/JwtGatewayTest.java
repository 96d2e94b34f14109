package dev.tollgate.plugin.authjwt;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The jwt filter in a running gateway, over real sockets, with static keys of every algorithm:
 * tokens accepted and the principal set; the attack catalogue refused with 401, RFC 6750's
 * challenge and the right metric reason; where tokens are looked for; the optional mode; and
 * {@code Exchange.authenticate} (a WebSocket hub's first-message authentication).
 */
class JwtGatewayTest {
    private static final String FILTER = "api-jwt";
    private static final String INVALID_TOKEN_CHALLENGE = "Bearer realm=\"tollgate\", error=\"invalid_token\", error_description=\"";

    private static TestGateway gateway;
    /** A server the attacker controls: tokens point at it with jku and x5u; it must never be asked. */
    private static WireMockServer attacker;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        attacker = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        attacker.start();
        attacker.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(TestKeys.jwks(TestKeys.ATTACKER))));
        gateway = TestGateway.builder()
                .plugin("auth-jwt", new JwtPlugin())
                .config("""
                        filters {
                          api-jwt {
                            type = jwt
                            issuer = "%s"
                            audiences = ["%s"]
                            keys = [
                              { kid = hs-1, algorithm = HS256, secret = "%s" }
                              { kid = rsa-1, algorithm = RS256, public-key = \"""%s\""" }
                              { kid = ps-1, algorithm = PS256, public-key = \"""%s\""" }
                              { kid = ec-256, algorithm = ES256, public-key = \"""%s\""" }
                              { kid = ec-384, algorithm = ES384, public-key = \"""%s\""" }
                              { kid = ec-521, algorithm = ES512, public-key = \"""%s\""" }
                              { kid = ed-1, algorithm = EdDSA, public-key = \"""%s\""" }
                            ]
                            token-from = ["header:Authorization", "cookie:access_token", "query:access_token"]
                          }
                          optional-jwt {
                            type = jwt
                            issuer = "%s"
                            keys = [ { kid = hs-1, algorithm = HS256, secret = "%s" } ]
                            optional = true
                            realm = "example"
                          }
                        }
                        routes = [
                          { path = "/api/**", endpoint = test-echo, filters = [ api-jwt ] }
                          { path = "/ws", endpoint = test-ws-echo, filters = [ api-jwt ] }
                          { path = "/open/**", endpoint = test-echo, filters = [ optional-jwt ] }
                          { path = "/authenticate", endpoint = test-authenticate, filters = [ optional-jwt ] }
                        ]
                        """.formatted(TestKeys.ISSUER, TestKeys.AUDIENCE, TestKeys.HMAC_SECRET, TestKeys.pem(TestKeys.RSA),
                        TestKeys.pem(TestKeys.RSA_PS), TestKeys.pem(TestKeys.EC_256), TestKeys.pem(TestKeys.EC_384),
                        TestKeys.pem(TestKeys.EC_521), TestKeys.pem(TestKeys.ED25519), TestKeys.ISSUER, TestKeys.HMAC_SECRET))
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (attacker != null) {
            attacker.stop();
        }
    }

    static Stream<Arguments> validTokens() {
        return Stream.of(
                Arguments.of("HS256", TestKeys.hmacToken("hs-1", TestKeys.claims().build())),
                Arguments.of("RS256", TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256)),
                Arguments.of("PS256", TestKeys.token(TestKeys.RSA_PS, JWSAlgorithm.PS256)),
                Arguments.of("ES256", TestKeys.token(TestKeys.EC_256, JWSAlgorithm.ES256)),
                Arguments.of("ES384", TestKeys.token(TestKeys.EC_384, JWSAlgorithm.ES384)),
                Arguments.of("ES512", TestKeys.token(TestKeys.EC_521, JWSAlgorithm.ES512)),
                Arguments.of("EdDSA", TestKeys.token(TestKeys.ED25519, JWSAlgorithm.EdDSA)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validTokens")
    void acceptsAValidTokenOfEachAlgorithmAndSetsThePrincipal(String algorithm, String token) throws Exception {
        long before = GatewayMetrics.authentications(gateway, FILTER, "ok");

        HttpResponse<String> response = get("/api/things", "Authorization", "Bearer " + token);

        assertThat(response.statusCode()).as(algorithm).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"alice\"");
        assertThat(GatewayMetrics.authentications(gateway, FILTER, "ok")).isEqualTo(before + 1);
    }

    @Test
    void toleratesClockSkewWithinTheLeeway() throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet justExpired = TestKeys.claims().expirationTime(Date.from(now.minusSeconds(10))).build();
        JWTClaimsSet almostValid = TestKeys.claims().notBeforeTime(Date.from(now.plusSeconds(10)))
                .issueTime(Date.from(now.plusSeconds(10))).build();
        assertThat(get("/api/x", "Authorization", "Bearer " + TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, justExpired)).statusCode())
                .isEqualTo(200);
        assertThat(get("/api/x", "Authorization", "Bearer " + TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256, almostValid)).statusCode())
                .isEqualTo(200);
    }

    /** What an attacker or a broken client sends, and the reason it must be refused for. */
    static Stream<Arguments> attacks() {
        Instant now = Instant.now();
        String valid = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256);
        String[] parts = valid.split("\\.");
        String attackerJwks = attacker.baseUrl() + "/jwks.json";
        return Stream.of(
                attack("alg none", "algorithm_refused", () -> unsigned("none")),
                attack("alg None", "algorithm_refused", () -> unsigned("None")),
                attack("alg NONE", "algorithm_refused", () -> unsigned("NONE")),
                attack("alg nOnE", "algorithm_refused", () -> unsigned("nOnE")),
                attack("HS256 signed with the RSA public key (key confusion)", "algorithm_refused",
                        () -> hmacSignedWith(TestKeys.pem(TestKeys.RSA), "rsa-1")),
                attack("HS256 signed with the RSA public key, no kid", "bad_signature",
                        () -> hmacSignedWith(TestKeys.pem(TestKeys.RSA), null)),
                attack("RS256 key used with RS384", "algorithm_refused",
                        () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS384)),
                attack("jku pointing at the attacker's key set", "unknown_key",
                        () -> TestKeys.token(TestKeys.ATTACKER, JWSAlgorithm.RS256, header -> header.jwkURL(URI.create(attackerJwks)),
                                TestKeys.claims().build())),
                attack("jku pointing elsewhere with a known kid", "bad_signature",
                        () -> TestKeys.token(TestKeys.ATTACKER, JWSAlgorithm.RS256,
                                header -> header.keyID("rsa-1").jwkURL(URI.create(attackerJwks)), TestKeys.claims().build())),
                attack("x5u pointing elsewhere", "bad_signature",
                        () -> TestKeys.token(TestKeys.ATTACKER, JWSAlgorithm.RS256,
                                header -> header.keyID("rsa-1").x509CertURL(URI.create(attacker.baseUrl() + "/cert.pem")), TestKeys.claims().build())),
                attack("embedded jwk of the attacker", "bad_signature",
                        () -> TestKeys.token(TestKeys.ATTACKER, JWSAlgorithm.RS256,
                                header -> header.keyID("rsa-1").jwk(TestKeys.ATTACKER.toPublicJWK()), TestKeys.claims().build())),
                attack("expired", "expired", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().issueTime(Date.from(now.minusSeconds(600))).expirationTime(Date.from(now.minusSeconds(120))).build())),
                attack("not yet valid (nbf)", "not_yet_valid", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().notBeforeTime(Date.from(now.plusSeconds(120))).build())),
                attack("issued in the future (iat)", "not_yet_valid", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().issueTime(Date.from(now.plusSeconds(120))).build())),
                attack("wrong issuer", "bad_issuer", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().issuer("https://id.example.com.evil.test").build())),
                attack("wrong audience", "bad_audience", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().audience("another-service").build())),
                attack("no exp", "missing_claim", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().expirationTime(null).build())),
                attack("no subject", "missing_claim", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().subject(null).build())),
                attack("tampered payload", "bad_signature", () -> parts[0] + "."
                        + TestKeys.base64Url(TestKeys.claims().subject("admin").build().toString()) + "." + parts[2]),
                attack("tampered header", "bad_signature", () -> TestKeys.base64Url("{\"kid\":\"rsa-1\",\"typ\":\"JWT\",\"alg\":\"RS256\",\"cty\":\"x\"}")
                        + "." + parts[1] + "." + parts[2]),
                attack("unknown kid", "unknown_key", () -> TestKeys.token(TestKeys.ATTACKER, JWSAlgorithm.RS256)),
                attack("signature stripped", "bad_signature", () -> parts[0] + "." + parts[1] + "."),
                attack("signature part missing", "malformed", () -> parts[0] + "." + parts[1]),
                attack("ES256 signature of zeros (CVE-2022-21449)", "bad_signature", () -> {
                    String[] ec = TestKeys.token(TestKeys.EC_256, JWSAlgorithm.ES256).split("\\.");
                    return ec[0] + "." + ec[1] + "." + Base64URL.encode(new byte[64]);
                }),
                attack("unknown critical header parameter", "critical_header", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        header -> header.criticalParams(Set.of("x-policy")).customParam("x-policy", "strict"), TestKeys.claims().build())),
                attack("encrypted token (JWE)", "algorithm_refused", JwtGatewayTest::encrypted),
                attack("oversized token", "too_large", () -> TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256,
                        TestKeys.claims().claim("padding", "x".repeat(9000)).build())),
                attack("garbage", "malformed", () -> "this-is-not-a-token"),
                attack("garbage with dots", "malformed", () -> "a.b.c"),
                attack("claims not a JSON object, correctly signed", "malformed", () -> hmacSigned("[1,2]")),
                attack("exp not a number, correctly signed", "malformed", () -> hmacSigned("{\"iss\":\"" + TestKeys.ISSUER
                        + "\",\"sub\":\"alice\",\"exp\":\"tomorrow\"}")));
    }

    private static Arguments attack(String name, String reason, Supplier<String> token) {
        return Arguments.of(name, reason, token);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("attacks")
    void refusesTheAttackCatalogueWith401AndTheRightReason(String name, String reason, Supplier<String> tokenSupplier) throws Exception {
        String token = tokenSupplier.get();
        long before = GatewayMetrics.authentications(gateway, FILTER, reason);

        HttpResponse<String> response = get("/api/things", "Authorization", "Bearer " + token);

        assertThat(response.statusCode()).as(name).isEqualTo(401);
        assertThat(response.body()).contains("\"code\":\"UNAUTHORIZED\"").doesNotContain("alice").doesNotContain(token);
        String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).startsWith(INVALID_TOKEN_CHALLENGE).endsWith("\"");
        for (String part : token.split("\\.")) {
            if (part.length() > 8) {
                assertThat(challenge).as("nothing of the token in the answer").doesNotContain(part);
                assertThat(response.body()).doesNotContain(part);
            }
        }
        assertThat(GatewayMetrics.authentications(gateway, FILTER, reason)).as(name).isEqualTo(before + 1);
        assertThat(attacker.getAllServeEvents()).as("jku, x5u and jwk are never followed").isEmpty();
    }

    @Test
    void aMissingTokenGetsABareChallenge() throws Exception {
        long before = GatewayMetrics.authentications(gateway, FILTER, "missing");

        HttpResponse<String> response = get("/api/things");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"tollgate\"");
        assertThat(response.body()).contains("\"code\":\"UNAUTHORIZED\"").contains("bearer token is required").contains("requestId");
        assertThat(GatewayMetrics.authentications(gateway, FILTER, "missing")).isEqualTo(before + 1);

        HttpResponse<String> basic = get("/api/things", "Authorization", "Basic YWxpY2U6c2VjcmV0");
        assertThat(basic.statusCode()).as("another scheme is not a bearer token").isEqualTo(401);
        assertThat(basic.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"tollgate\"");
    }

    @Test
    void anEmptyBearerIsMalformed() throws Exception {
        long before = GatewayMetrics.authentications(gateway, FILTER, "malformed");

        HttpResponse<String> response = get("/api/things", "Authorization", "Bearer");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith(INVALID_TOKEN_CHALLENGE);
        assertThat(GatewayMetrics.authentications(gateway, FILTER, "malformed")).isEqualTo(before + 1);
    }

    @Test
    void readsTheTokenFromACookie() throws Exception {
        String token = TestKeys.token(TestKeys.EC_256, JWSAlgorithm.ES256);
        HttpResponse<String> response = get("/api/things", "Cookie", "theme=dark; access_token=" + token + "; lang=en");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"alice\"");
    }

    @Test
    void readsTheQueryParameterOnlyOnWebSocketUpgrades() throws Exception {
        String token = TestKeys.token(TestKeys.ED25519, JWSAlgorithm.EdDSA);

        HttpResponse<String> plain = get("/api/things?access_token=" + token);
        assertThat(plain.statusCode()).as("a token in a plain request's URL is not looked at").isEqualTo(401);
        assertThat(plain.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"tollgate\"");

        CompletableFuture<String> greeting = new CompletableFuture<>();
        WebSocket socket = client.newWebSocketBuilder().buildAsync(gateway.ws("/ws?access_token=" + token), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                greeting.complete(data.toString());
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        assertThat(greeting.get(10, TimeUnit.SECONDS)).isEqualTo("hello alice on HTTP/1.1");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);

        CompletableFuture<WebSocket> refused = client.newWebSocketBuilder().buildAsync(gateway.ws("/ws?access_token=garbage"),
                new WebSocket.Listener() { });
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
    }

    @Test
    void anOptionalFilterPassesRequestsWithoutATokenButRefusesInvalidOnes() throws Exception {
        long anonymous = GatewayMetrics.counter(gateway, "authentications", Map.of("filter", "optional-jwt", "outcome", "anonymous"));

        HttpResponse<String> without = get("/open/page");
        assertThat(without.statusCode()).isEqualTo(200);
        assertThat(without.body()).contains("\"principal\":\"\"");
        assertThat(GatewayMetrics.counter(gateway, "authentications", Map.of("filter", "optional-jwt", "outcome", "anonymous")))
                .isEqualTo(anonymous + 1);

        HttpResponse<String> valid = get("/open/page", "Authorization", "Bearer " + TestKeys.hmacToken("hs-1", TestKeys.claims().build()));
        assertThat(valid.statusCode()).isEqualTo(200);
        assertThat(valid.body()).contains("\"principal\":\"alice\"");

        HttpResponse<String> invalid = get("/open/page", "Authorization", "Bearer " + TestKeys.hmacToken("hs-1",
                TestKeys.claims().expirationTime(Date.from(Instant.now().minusSeconds(3600))).build()));
        assertThat(invalid.statusCode()).isEqualTo(401);
        assertThat(invalid.headers().firstValue("WWW-Authenticate").orElseThrow())
                .isEqualTo("Bearer realm=\"example\", error=\"invalid_token\", error_description=\"the token has expired\"");
    }

    @Test
    void authenticatesACredentialPresentedAfterTheRequest() throws Exception {
        String token = TestKeys.hmacToken("hs-1", TestKeys.claims().subject("bob").build());

        HttpResponse<String> accepted = get("/authenticate", "X-Credential-Authorization", "Bearer " + token);
        assertThat(accepted.body()).startsWith("outcome: principal bob jwt");

        HttpResponse<String> refused = get("/authenticate", "X-Credential-Authorization", "Bearer " + token + "x");
        assertThat(refused.body()).startsWith("outcome: refused UNAUTHORIZED invalid token: the signature does not verify with key 'hs-1'")
                .contains("WWW-Authenticate=Bearer realm=\"example\", error=\"invalid_token\"");
    }

    @Test
    void aBadKeyStopsStartUpNamingIt() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("auth-jwt", new JwtPlugin())
                .config("""
                        filters { api-jwt { type = jwt, issuer = "https://id.example.com"
                                            keys = [ { kid = k1, algorithm = HS256, secret = "short" } ] } }
                        routes = [ { path = "/x", endpoint = test-echo, filters = [ api-jwt ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.filters.api-jwt.keys[0].secret")
                .hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("auth-jwt", new JwtPlugin())
                .config("""
                        routes = [ { path = "/x", endpoint = test-echo, filters = [ { type = jwt, issuer = "https://id.example.com" } ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].keys")
                .hasMessageContaining("no key source");
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A token whose header says {@code alg} (any case of none) with an empty signature. */
    private static String unsigned(String alg) {
        return TestKeys.base64Url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + TestKeys.base64Url(TestKeys.claims().build().toString()) + ".";
    }

    /** The classic key confusion: HS256 with the verifier's public key (its PEM text) as the HMAC secret. */
    private static String hmacSignedWith(String secret, String kid) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), TestKeys.claims().build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.US_ASCII)));
            return jwt.serialize();
        }
        catch (JOSEException e) {
            throw new CompletionException(e);
        }
    }

    /** A JWS whose payload is {@code payload}, properly signed with the HS256 key hs-1. */
    private static String hmacSigned(String payload) {
        try {
            JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("hs-1").build(), new Payload(payload));
            jws.sign(new MACSigner(TestKeys.HMAC_SECRET.getBytes(StandardCharsets.UTF_8)));
            return jws.serialize();
        }
        catch (JOSEException e) {
            throw new CompletionException(e);
        }
    }

    private static String encrypted() {
        try {
            EncryptedJWT jwt = new EncryptedJWT(new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM).keyID("rsa-1").build(),
                    TestKeys.claims().build());
            jwt.encrypt(new RSAEncrypter(TestKeys.RSA.toRSAPublicKey()));
            return jwt.serialize();
        }
        catch (JOSEException e) {
            throw new CompletionException(e);
        }
    }

}
