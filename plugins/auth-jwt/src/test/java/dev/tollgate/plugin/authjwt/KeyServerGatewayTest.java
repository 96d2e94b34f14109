package dev.tollgate.plugin.authjwt;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Keys from a key server (WireMock) in a running gateway: a JWKS URL with rotation (a new kid
 * picked up at once, a retired one dropped at the next refresh), the unknown-kid refresh and its
 * rate limit, stale-while-error when the key server fails, OpenID discovery, and the 503 when no
 * keys were ever fetched.
 */
class KeyServerGatewayTest {
    private static final RSAKey KEY_A = TestKeys.rsa("key-a");
    private static final ECKey KEY_B = TestKeys.ec("key-b", Curve.P_256);
    private static final RSAKey KEY_C = TestKeys.rsa("key-c");
    private static final OctetKeyPair OIDC_KEY = TestKeys.ed25519("oidc-1");

    private static WireMockServer keyServer;
    private static TestGateway gateway;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        keyServer = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        keyServer.start();
        keyServer.stubFor(get("/rotating/jwks.json").willReturn(okJson(TestKeys.jwks(KEY_A))));
        keyServer.stubFor(get("/limited/jwks.json").willReturn(okJson(TestKeys.jwks(KEY_A))));
        keyServer.stubFor(get("/failing/jwks.json").willReturn(okJson(TestKeys.jwks(KEY_C))));
        keyServer.stubFor(get("/.well-known/openid-configuration").willReturn(okJson("""
                {"issuer": "%s", "jwks_uri": "%s/oidc/jwks.json", "id_token_signing_alg_values_supported": ["EdDSA"]}
                """.formatted(keyServer.baseUrl(), keyServer.baseUrl()))));
        keyServer.stubFor(get("/oidc/jwks.json").willReturn(okJson(TestKeys.jwks(OIDC_KEY))));
        keyServer.stubFor(get("/huge/jwks.json").willReturn(okJson("{\"keys\":[" + (TestKeys.RSA.toPublicJWK().toJSONString() + ",").repeat(3000)
                + TestKeys.RSA.toPublicJWK().toJSONString() + "]}")));
        keyServer.stubFor(get("/tenant/.well-known/openid-configuration").willReturn(okJson("""
                {"issuer": "https://someone-else.example", "jwks_uri": "%s/oidc/jwks.json"}
                """.formatted(keyServer.baseUrl()))));

        String base = keyServer.baseUrl();
        gateway = TestGateway.builder()
                .plugin("auth-jwt", new JwtPlugin())
                .config("""
                        filters {
                          rotating { type = jwt, issuer = "%1$s", audiences = [tollgate], jwks-url = "%2$s/rotating/jwks.json",
                                     jwks-refresh-interval = 1s, jwks-min-refresh-interval = 0s }
                          limited  { type = jwt, issuer = "%1$s", jwks-url = "%2$s/limited/jwks.json", jwks-min-refresh-interval = 1m }
                          failing  { type = jwt, issuer = "%1$s", jwks-url = "%2$s/failing/jwks.json",
                                     jwks-refresh-interval = 1s, jwks-min-refresh-interval = 1s, jwks-timeout = 2s }
                          oidc     { type = jwt, issuer = "%2$s", oidc-discovery = true }
                          wrong-issuer { type = jwt, issuer = "%2$s/tenant", oidc-discovery = true }
                          nobody   { type = jwt, issuer = "%1$s", jwks-url = "http://127.0.0.1:9/jwks.json", jwks-timeout = 2s }
                          huge     { type = jwt, issuer = "%1$s", jwks-url = "%2$s/huge/jwks.json" }
                        }
                        routes = [
                          { path = "/rotating", endpoint = test-echo, filters = [ rotating ] }
                          { path = "/limited", endpoint = test-echo, filters = [ limited ] }
                          { path = "/failing", endpoint = test-echo, filters = [ failing ] }
                          { path = "/oidc", endpoint = test-echo, filters = [ oidc ] }
                          { path = "/wrong-issuer", endpoint = test-echo, filters = [ wrong-issuer ] }
                          { path = "/nobody", endpoint = test-echo, filters = [ nobody ] }
                          { path = "/huge", endpoint = test-echo, filters = [ huge ] }
                        ]
                        """.formatted(TestKeys.ISSUER, base))
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (keyServer != null) {
            keyServer.stop();
        }
    }

    @Test
    void picksUpANewKidAtOnceAndDropsARetiredOneAtTheNextRefresh() throws Exception {
        String tokenA = TestKeys.token(KEY_A, JWSAlgorithm.RS256);
        String tokenB = TestKeys.token(KEY_B, JWSAlgorithm.ES256);
        assertThat(status("/rotating", tokenA)).isEqualTo(200);

        keyServer.stubFor(get("/rotating/jwks.json").willReturn(okJson(TestKeys.jwks(KEY_A, KEY_B))));
        assertThat(status("/rotating", tokenB)).as("an unknown kid makes the key set be fetched again").isEqualTo(200);
        assertThat(status("/rotating", tokenA)).isEqualTo(200);

        keyServer.stubFor(get("/rotating/jwks.json").willReturn(okJson(TestKeys.jwks(KEY_B))));
        long unknownBefore = GatewayMetrics.authentications(gateway, "rotating", "unknown_key");
        await().atMost(Duration.ofSeconds(15)).until(() -> status("/rotating", tokenA) == 401);
        assertThat(GatewayMetrics.authentications(gateway, "rotating", "unknown_key")).isGreaterThan(unknownBefore);
        assertThat(status("/rotating", tokenB)).isEqualTo(200);
        assertThat(GatewayMetrics.counter(gateway, "key_set_refreshes",
                Map.of("key_set", label(keyServer.baseUrl() + "/rotating/jwks.json"), "outcome", "ok"))).isGreaterThanOrEqualTo(3);
    }

    @Test
    void unknownKidsRefreshTheKeySetAtMostOncePerMinimumInterval() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> status("/limited", TestKeys.token(KEY_A, JWSAlgorithm.RS256)) == 200);
        int fetches = keyServer.findAll(getRequestedFor(urlEqualTo("/limited/jwks.json"))).size();

        for (int i = 0; i < 20; i++) {
            RSAKey madeUp = TestKeys.rsa("made-up-" + i);
            assertThat(status("/limited", TestKeys.token(madeUp, JWSAlgorithm.RS256))).isEqualTo(401);
        }

        assertThat(keyServer.findAll(getRequestedFor(urlEqualTo("/limited/jwks.json")))).as("within jwks-min-refresh-interval").hasSize(fetches);
        assertThat(GatewayMetrics.authentications(gateway, "limited", "unknown_key")).isGreaterThanOrEqualTo(20);
    }

    @Test
    void keepsTheKeysWhileTheKeyServerFailsAndReportsItOnHealth() throws Exception {
        String token = TestKeys.token(KEY_C, JWSAlgorithm.RS256);
        await().atMost(Duration.ofSeconds(10)).until(() -> status("/failing", token) == 200);
        String keySet = label(keyServer.baseUrl() + "/failing/jwks.json");
        long failures = GatewayMetrics.counter(gateway, "key_set_refreshes", Map.of("key_set", keySet, "outcome", "failed"));

        keyServer.stubFor(get("/failing/jwks.json").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                GatewayMetrics.counter(gateway, "key_set_refreshes", Map.of("key_set", keySet, "outcome", "failed")) > failures);

        assertThat(status("/failing", token)).as("stale keys are kept").isEqualTo(200);
        assertThat(keySetStatus("failing")).as("stale keys: degraded, not down").isEqualTo("DEGRADED");
        assertThat(health()).contains("SocketException: Connection reset");

        keyServer.stubFor(get("/failing/jwks.json").willReturn(aResponse().withStatus(503)));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                GatewayMetrics.counter(gateway, "key_set_refreshes", Map.of("key_set", keySet, "outcome", "failed")) > failures + 1);
        assertThat(status("/failing", token)).isEqualTo(200);

        keyServer.stubFor(get("/failing/jwks.json").willReturn(okJson(TestKeys.jwks(KEY_C))));
        await().atMost(Duration.ofSeconds(15)).until(() -> keySetStatus("failing").equals("UP"));
        assertThat(status("/failing", token)).isEqualTo(200);
    }

    @Test
    void takesKeysFromOpenIdDiscovery() throws Exception {
        String token = TestKeys.token(OIDC_KEY, JWSAlgorithm.EdDSA, TestKeys.claims().issuer(keyServer.baseUrl()).build());
        assertThat(status("/oidc", token)).isEqualTo(200);
        assertThat(keyServer.findAll(getRequestedFor(urlEqualTo("/.well-known/openid-configuration")))).isNotEmpty();

        String otherIssuer = TestKeys.token(OIDC_KEY, JWSAlgorithm.EdDSA);
        assertThat(status("/oidc", otherIssuer)).isEqualTo(401);
    }

    @Test
    void aDiscoveryDocumentOfAnotherIssuerGivesNoKeys() throws Exception {
        String token = TestKeys.token(OIDC_KEY, JWSAlgorithm.EdDSA, TestKeys.claims().issuer(keyServer.baseUrl() + "/tenant").build());
        await().atMost(Duration.ofSeconds(10)).until(() -> keySetStatus("wrong-issuer").equals("DOWN"));
        assertThat(status("/wrong-issuer", token)).isEqualTo(503);
        assertThat(health()).contains("the discovery document names another issuer");
    }

    @Test
    void answers503WhenNoKeysWereEverFetched() throws Exception {
        long before = GatewayMetrics.authentications(gateway, "nobody", "keys_unavailable");

        HttpResponse<String> response = send("/nobody", TestKeys.token(KEY_A, JWSAlgorithm.RS256));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"code\":\"UNAVAILABLE\"");
        assertThat(GatewayMetrics.authentications(gateway, "nobody", "keys_unavailable")).isEqualTo(before + 1);
    }

    @Test
    void refusesAKeySetLargerThanOneMebibyte() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> keySetStatus("huge").equals("DOWN"));
        assertThat(health()).contains("key set is larger than 1048576 bytes");
        assertThat(status("/huge", TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256))).isEqualTo(503);
    }

    @Test
    void neverUsesAnHmacSecretPublishedInTheKeySet() throws Exception {
        OctetSequenceKey published = new OctetSequenceKey.Builder(TestKeys.HMAC_SECRET.getBytes(StandardCharsets.UTF_8)).keyID("shared").build();
        keyServer.stubFor(get("/rotating/jwks.json").willReturn(okJson(
                "{\"keys\":[" + published.toJSONString() + "," + KEY_B.toPublicJWK().toJSONString() + "]}")));

        assertThat(status("/rotating", TestKeys.hmacToken("shared", TestKeys.claims().build()))).isEqualTo(401);
        assertThat(status("/rotating", TestKeys.token(KEY_B, JWSAlgorithm.ES256))).isEqualTo(200);
    }

    /** A key set's label as the runtime exports it: dots in label values become underscores. */
    private static String label(String url) {
        return url.replace('.', '_');
    }

    private static int status(String path, String token) throws Exception {
        return send(path, token).statusCode();
    }

    private static HttpResponse<String> send(String path, String token) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status {@code /health} shows for filter {@code filter}'s key set. */
    private static String keySetStatus(String filter) throws Exception {
        Matcher status = Pattern.compile("\"auth-jwt\\." + Pattern.quote(filter)
                + "\\.key-set\":\\{\"status\":\"(\\w+)\"").matcher(health());
        return status.find() ? status.group(1) : "absent";
    }

    private static String health() throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http("/health")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
