package dev.tollgate.plugin.authjwt;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JWSAlgorithm;
import dev.tollgate.runtime.ReloadResult;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A configuration reload keeps a key set whose settings did not change — its keys in memory, no
 * new fetch — and builds a new one, fetched at once, for changed settings.
 */
class JwtReloadGatewayTest {
    private static final String CONFIG = """
            filters { api-jwt { type = jwt, issuer = "%s", jwks-url = "%s/jwks.json", jwks-refresh-interval = %s, audiences = [%s] } }
            routes = [ { path = "/api/**", endpoint = test-echo, filters = [ api-jwt ] } %s ]
            """;

    @Test
    void keepsAnUnchangedKeySetAcrossAReload() throws Exception {
        WireMockServer keyServer = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        keyServer.start();
        keyServer.stubFor(get("/jwks.json").willReturn(okJson(TestKeys.jwks(TestKeys.RSA))));
        String base = keyServer.baseUrl();
        String token = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (TestGateway gateway = TestGateway.builder().plugin("auth-jwt", new JwtPlugin())
                .config(CONFIG.formatted(TestKeys.ISSUER, base, "10m", "", "")).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> status(client, gateway, "/api/x", token) == 200);
            assertThat(fetches(keyServer)).isEqualTo(1);

            // The filter changed (it checks the audience now, and a new route uses it), its key server settings did not.
            ReloadResult same = gateway.reload(CONFIG.formatted(TestKeys.ISSUER, base, "10m", TestKeys.AUDIENCE,
                    ", { path = \"/more/**\", endpoint = test-echo, filters = [ api-jwt ] }"));
            assertThat(same.applied()).as(same.message()).isTrue();
            assertThat(status(client, gateway, "/more/x", token)).isEqualTo(200);
            assertThat(fetches(keyServer)).as("the key set was handed over, keys and all").isEqualTo(1);

            ReloadResult changed = gateway.reload(CONFIG.formatted(TestKeys.ISSUER, base, "9m", TestKeys.AUDIENCE, ""));
            assertThat(changed.applied()).as(changed.message()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> fetches(keyServer) == 2);
            assertThat(status(client, gateway, "/api/x", token)).isEqualTo(200);
        }
        finally {
            keyServer.stop();
        }
    }

    private static int fetches(WireMockServer keyServer) {
        return keyServer.findAll(getRequestedFor(urlEqualTo("/jwks.json"))).size();
    }

    private static int status(HttpClient client, TestGateway gateway, String path, String token) throws Exception {
        return client.send(HttpRequest.newBuilder(gateway.http(path)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
