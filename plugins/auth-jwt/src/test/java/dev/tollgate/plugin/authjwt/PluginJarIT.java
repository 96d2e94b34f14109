package dev.tollgate.plugin.authjwt;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JWSAlgorithm;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged plugin jar as the gateway runs it: found in plugins.d and loaded in its own class
 * loader with its shaded Nimbus and Tink, checking tokens of each key family from static keys (a
 * key file relative to the home among them) and from a JWKS. Run by failsafe after packaging.
 */
@Tag("packaged-jar")
class PluginJarIT {
    @TempDir
    Path home;

    @Test
    void theShadedJarChecksTokensFromItsOwnClassLoader() throws Exception {
        Path jar = Path.of(System.getProperty("plugin.jar"));
        assertThat(jar).as("the packaged plugin").isRegularFile();
        Files.createDirectories(home.resolve("plugins.d"));
        Files.copy(jar, home.resolve("plugins.d").resolve(jar.getFileName()));
        Files.createDirectories(home.resolve("conf/keys"));
        Files.writeString(home.resolve("conf/keys/ed.pem"), TestKeys.pem(TestKeys.ED25519));
        WireMockServer keyServer = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        keyServer.start();
        String previousHome = System.getProperty("gateway.home");
        System.setProperty("gateway.home", home.toString());
        try {
            keyServer.stubFor(get("/jwks.json").willReturn(okJson(TestKeys.jwks(TestKeys.RSA, TestKeys.EC_256))));
            try (TestGateway gateway = TestGateway.builder().home(home).config("""
                    plugins.auth-jwt.required = true
                    filters { api-jwt { type = jwt, issuer = "%s", audiences = [%s], jwks-url = "%s/jwks.json"
                                        keys = [ { kid = hs-1, algorithm = HS256, secret = "%s" }
                                                 { kid = ed-1, algorithm = EdDSA, public-key-file = "conf/keys/ed.pem" } ] } }
                    routes = [ { path = "/api/**", endpoint = test-echo, filters = [ api-jwt ] } ]
                    """.formatted(TestKeys.ISSUER, TestKeys.AUDIENCE, keyServer.baseUrl(), TestKeys.HMAC_SECRET)).start()) {
                HttpClient client = HttpClient.newHttpClient();
                for (String token : new String[] {TestKeys.hmacToken("hs-1", TestKeys.claims().build()),
                        TestKeys.token(TestKeys.ED25519, JWSAlgorithm.EdDSA), TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256),
                        TestKeys.token(TestKeys.EC_256, JWSAlgorithm.ES256)}) {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.http("/api/x"))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).as(token.substring(0, 20)).isEqualTo(200);
                    assertThat(response.body()).contains("\"principal\":\"alice\"");
                }
                HttpResponse<String> refused = client.send(HttpRequest.newBuilder(gateway.http("/api/x"))
                        .header("Authorization", "Bearer " + TestKeys.token(TestKeys.ATTACKER, JWSAlgorithm.RS256)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(401);
            }
        }
        finally {
            if (previousHome == null) {
                System.clearProperty("gateway.home");
            }
            else {
                System.setProperty("gateway.home", previousHome);
            }
            keyServer.stop();
        }
    }
}
