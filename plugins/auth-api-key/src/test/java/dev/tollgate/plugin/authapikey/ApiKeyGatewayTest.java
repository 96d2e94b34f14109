package dev.tollgate.plugin.authapikey;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.plugin.backendhttp.HttpBackendPlugin;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The api-key filter in a running gateway, over real sockets: valid, invalid, missing and
 * misplaced keys, identity headers a client tries to set itself, the key removed before a real
 * proxied backend (WireMock behind the http backend), the query parameter, optional mode, metrics,
 * and configuration mistakes stopping start-up. The hashes in the configuration were made with
 * coreutils' sha256sum ({@code printf %s KEY | sha256sum}), independently of the plugin.
 */
class ApiKeyGatewayTest {
    static final String CI_KEY = "ci-bot-key-7f3a9c2e41d8";
    static final String CI_HASH = "f7e078478bb9deb4a7acf71be285aa7b28716c59aca8610b100c1e576e119264";
    static final String READER_KEY = "reader-key-0b5e8d1c9a27";
    static final String READER_HASH = "8c66dbaa845c2edacb48457aa271a4f334f5fce0906b5a6cbce47468a2c85956";
    /** A well-formed key no configuration lists. */
    static final String UNKNOWN_KEY = "other-key-64c0e8a2f917";

    private static final String KEYS = """
            keys = [
              { sha256 = "%s", consumer = ci-bot, roles = [deploy] }
              { sha256 = "%s", consumer = reader, claims { tenant = acme } }
            ]""".formatted(CI_HASH, READER_HASH.toUpperCase());

    private static WireMockServer backend;
    private static TestGateway gateway;
    private static HttpClient http1;
    private static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/plain").withBody("backend")));
        gateway = TestGateway.builder()
                .plugin("auth-api-key", new ApiKeyPlugin())
                .plugin("backend-http", new HttpBackendPlugin())
                .config("""
                        filters { ci-keys { type = api-key, realm = "ci", %1$s } }
                        services { api { backend = http, instances = ["http://127.0.0.1:%2$d"] } }
                        routes = [
                          { path = "/echo/**", endpoint = test-echo, filters = [ { type = api-key, %1$s } ] }
                          { path = "/named/**", endpoint = test-echo, filters = [ ci-keys ] }
                          { path = "/optional/**", endpoint = test-echo, filters = [ { type = api-key, optional = true, %1$s } ] }
                          { path = "/query/**", endpoint = test-echo, filters = [ { type = api-key, query-parameter = api_key, %1$s } ] }
                          { path = "/kept/**", endpoint = test-echo, filters = [ { type = api-key, strip = false, header = X-Gateway-Key, %1$s } ] }
                          { path = "/proxied/**", service = { name = api, strip-prefix = "/proxied" }, filters = [ ci-keys ] }
                          { path = "/authenticate/**", endpoint = test-authenticate, filters = [ { type = api-key, optional = true, %1$s } ] }
                        ]
                        """.formatted(KEYS, backend.port()))
                .start();
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        http2 = Clients.jdk(gateway.home(), HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aValidKeyMakesItsConsumerThePrincipalAndIsRemovedBeforeTheEndpoint(Transport transport) throws Exception {
        HttpResponse<String> response = transport.send("/echo/things", "X-API-Key", CI_KEY);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"ci-bot\"", "\"path\":\"/echo/things\"");
        assertThat(response.body()).doesNotContain("x-api-key", CI_KEY);
    }

    @Test
    void theHeaderNameIsMatchedWithoutCaseAndAnUppercaseHashInTheConfigurationWorks() throws Exception {
        HttpResponse<String> response = send(gateway.http("/echo/x"), "x-api-key", READER_KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"reader\"");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anInvalidKeyIs401WithAChallengeInTheJsonErrorShape(Transport transport) throws Exception {
        HttpResponse<String> response = transport.send("/echo/things", "X-API-Key", UNKNOWN_KEY);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("ApiKey realm=\"tollgate\"");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body()).contains("\"code\":\"UNAUTHORIZED\"", "\"requestId\":", "API key not valid");
        assertThat(response.body()).as("the key is never echoed").doesNotContain(UNKNOWN_KEY);
    }

    @Test
    void aMissingKeyIs401WithAChallengeNamingTheHeader() throws Exception {
        HttpResponse<String> response = send(gateway.http("/echo/things"));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("ApiKey realm=\"tollgate\"");
        assertThat(response.body()).contains("\"code\":\"UNAUTHORIZED\"", "API key required in the X-API-Key header");
    }

    @Test
    void aNamedInstanceUsesItsRealm() throws Exception {
        assertThat(send(gateway.http("/named/x"), "X-API-Key", CI_KEY).body()).contains("\"principal\":\"ci-bot\"");
        HttpResponse<String> refused = send(gateway.http("/named/x"), "X-API-Key", "nope");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().allValues("WWW-Authenticate")).containsExactly("ApiKey realm=\"ci\"");
    }

    @Test
    void aKeyInAnotherHeaderOrInTheQueryWithoutQueryParameterIsRefused() throws Exception {
        assertThat(send(gateway.http("/echo/x"), "Authorization", "ApiKey " + CI_KEY).statusCode()).isEqualTo(401);
        assertThat(send(gateway.http("/echo/x"), "X-Api-Token", CI_KEY).statusCode()).isEqualTo(401);
        assertThat(send(gateway.http("/echo/x?api_key=" + CI_KEY)).statusCode()).isEqualTo(401);
        assertThat(send(gateway.http("/kept/x"), "X-API-Key", CI_KEY).statusCode())
                .as("an instance reading X-Gateway-Key ignores X-API-Key").isEqualTo(401);
    }

    @Test
    void aKeyWithSurroundingTextOrPresentedTwiceIsRefused() throws Exception {
        assertThat(send(gateway.http("/echo/x"), "X-API-Key", CI_KEY + "x").statusCode()).isEqualTo(401);
        assertThat(send(gateway.http("/echo/x"), "X-API-Key", "Bearer " + CI_KEY).statusCode()).isEqualTo(401);
        assertThat(send(gateway.http("/echo/x"), "X-API-Key", CI_KEY, "X-API-Key", CI_KEY).statusCode())
                .as("two header fields are ambiguous").isEqualTo(401);
        assertThat(send(gateway.http("/query/x?api_key=" + CI_KEY + "&api_key=" + READER_KEY)).statusCode())
                .as("the parameter twice is ambiguous").isEqualTo(401);
    }

    @Test
    void identityHeadersAClientSendsNeverReachTheEndpoint() throws Exception {
        HttpResponse<String> withoutKey = send(gateway.http("/echo/x"), "X-User-Id", "ci-bot", "X-User-Roles", "deploy,admin");
        assertThat(withoutKey.statusCode()).as("claiming an identity is not authenticating").isEqualTo(401);

        HttpResponse<String> withKey = send(gateway.http("/echo/x"), "X-API-Key", READER_KEY,
                "X-User-Id", "ci-bot", "X-User-Roles", "deploy,admin");
        assertThat(withKey.statusCode()).isEqualTo(200);
        assertThat(withKey.body()).contains("\"principal\":\"reader\"").doesNotContain("x-user-id", "x-user-roles", "admin");

        HttpResponse<String> anonymous = send(gateway.http("/optional/x"), "X-User-Id", "ci-bot");
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.body()).contains("\"principal\":\"\"").doesNotContain("x-user-id");
    }

    @Test
    void theKeyHeaderNeverReachesAProxiedBackend() throws Exception {
        HttpResponse<String> response = send(gateway.http("/proxied/data?x=1"), "X-API-Key", CI_KEY, "X-Trace", "t1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("backend");
        backend.verify(1, getRequestedFor(urlEqualTo("/data?x=1")).withHeader("X-Trace", equalTo("t1"))
                .withoutHeader("X-API-Key"));
    }

    @Test
    void withStripOffTheKeyGoesOn() throws Exception {
        HttpResponse<String> response = send(gateway.http("/kept/x"), "X-Gateway-Key", CI_KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"ci-bot\"", "\"x-gateway-key\":\"" + CI_KEY + "\"");
    }

    @Test
    void theQueryParameterCarriesAKeyAndIsRemovedFromTheQuery() throws Exception {
        HttpResponse<String> response = send(gateway.http("/query/x?a=1&api_key=" + CI_KEY + "&b=two"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"ci-bot\"", "\"query\":\"a=1&b=two\"").doesNotContain(CI_KEY);

        HttpResponse<String> only = send(gateway.http("/query/x?api_key=" + READER_KEY));
        assertThat(only.body()).contains("\"principal\":\"reader\"", "\"query\":\"null\"");

        HttpResponse<String> header = send(gateway.http("/query/x?api_key=wrong"), "X-API-Key", CI_KEY);
        assertThat(header.statusCode()).as("the header comes first").isEqualTo(200);
        assertThat(header.body()).contains("\"principal\":\"ci-bot\"", "\"query\":\"null\"");

        assertThat(send(gateway.http("/query/x?api_key=" + UNKNOWN_KEY)).statusCode()).isEqualTo(401);
        HttpResponse<String> missing = send(gateway.http("/query/x?other=1"));
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.body()).contains("API key required in the X-API-Key header or the api_key query parameter");
    }

    @Test
    void optionalModeLetsARequestWithoutKeyGoOnAnonymouslyButStillRefusesABadKey() throws Exception {
        HttpResponse<String> anonymous = send(gateway.http("/optional/x"));
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.body()).contains("\"principal\":\"\"");

        assertThat(send(gateway.http("/optional/x"), "X-API-Key", CI_KEY).body()).contains("\"principal\":\"ci-bot\"");

        HttpResponse<String> invalid = send(gateway.http("/optional/x"), "X-API-Key", UNKNOWN_KEY);
        assertThat(invalid.statusCode()).isEqualTo(401);
        assertThat(invalid.headers().allValues("WWW-Authenticate")).containsExactly("ApiKey realm=\"tollgate\"");
    }

    /** What the WebSocket hub does with a client's first message: the route's authentication run again on a credential. */
    @Test
    void authenticatesACredentialPresentedAfterTheRequest() throws Exception {
        assertThat(send(gateway.http("/authenticate/x"), "X-Credential-X-API-Key", CI_KEY).body())
                .startsWith("outcome: principal ci-bot api-key\n");
        assertThat(send(gateway.http("/authenticate/x"), "X-Credential-X-API-Key", UNKNOWN_KEY).body())
                .startsWith("outcome: refused UNAUTHORIZED API key not valid {WWW-Authenticate=ApiKey realm=\"tollgate\"}\n");
        assertThat(send(gateway.http("/authenticate/x")).body()).as("optional: no credential, no principal").startsWith("outcome: none\n");
    }

    @Test
    void countsAuthenticationsByInstanceAndOutcome() throws Exception {
        send(gateway.http("/named/metrics"), "X-API-Key", CI_KEY);
        send(gateway.http("/named/metrics"), "X-API-Key", UNKNOWN_KEY);
        send(gateway.http("/named/metrics"));

        String metrics = send(gateway.http("/metrics")).body();
        assertThat(metrics)
                .containsPattern("tollgate_auth_api_key_authentications_total\\{filter=\"gateway.filters.ci-keys\",outcome=\"ok\"} [1-9]")
                .containsPattern("tollgate_auth_api_key_authentications_total\\{filter=\"gateway.filters.ci-keys\",outcome=\"invalid\"} [1-9]")
                .containsPattern("tollgate_auth_api_key_authentications_total\\{filter=\"gateway.filters.ci-keys\",outcome=\"missing\"} [1-9]")
                .doesNotContain(CI_HASH.substring(0, 8), CI_KEY);
    }

    @Test
    void aHashThatIsNotSixtyFourHexDigitsStopsStartUpNamingTheEntryAndConsumer() {
        assertThatThrownBy(() -> startWith("keys = [ { sha256 = \"%s\", consumer = ci-bot }, { sha256 = \"%s\", consumer = pasted-key } ]"
                .formatted(CI_HASH, READER_KEY)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].keys")
                .hasMessageContaining("keys[1] (consumer 'pasted-key').sha256: must be 64 hex digits")
                .hasMessageNotContaining(READER_KEY);
        assertThatThrownBy(() -> startWith("keys = [ { sha256 = \"%s\", consumer = short } ]".formatted(CI_HASH.substring(1))))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("keys[0] (consumer 'short').sha256: must be 64 hex digits");
    }

    @Test
    void aDuplicateHashStopsStartUpNamingBothConsumersAndNotTheHash() {
        assertThatThrownBy(() -> startWith("keys = [ { sha256 = \"%s\", consumer = ci-bot }, { sha256 = \"%s\", consumer = ci-bot-2 } ]"
                .formatted(CI_HASH, CI_HASH.toUpperCase())))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].keys")
                .hasMessageContaining("keys[1] (consumer 'ci-bot-2').sha256: the same hash as the key of consumer 'ci-bot'")
                .hasMessageNotContaining(CI_HASH.substring(0, 8));
    }

    @Test
    void anEmptyConsumerStopsStartUpNamingTheEntry() {
        assertThatThrownBy(() -> startWith("keys = [ { sha256 = \"%s\", consumer = \"\" } ]".formatted(CI_HASH)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].keys")
                .hasMessageContaining("keys[0].consumer: must be a non-empty name");
    }

    @Test
    void aMisspelledKeyOfAnEntryOrOfTheFilterStopsStartUpNamingIt() {
        assertThatThrownBy(() -> startWith("keys = [ { sha265 = \"%s\", consumer = ci-bot } ]".formatted(CI_HASH)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].keys[0].sha265");
        assertThatThrownBy(() -> startWith("query-paramter = api_key"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0].query-paramter")
                .hasMessageContaining("did you mean 'query-parameter'");
    }

    @Test
    void aMistakeInANamedInstanceStopsStartUpNamingItsKey() {
        assertThatThrownBy(() -> TestGateway.builder()
                .plugin("auth-api-key", new ApiKeyPlugin())
                .config("""
                        filters { partners { type = api-key, keys = [ { sha256 = "abc", consumer = partner } ] } }
                        routes = [ { path = "/x", endpoint = test-echo, filters = [ partners ] } ]
                        """)
                .start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.filters.partners.keys")
                .hasMessageContaining("(consumer 'partner').sha256");
    }

    /** Starts a gateway with one route whose api-key filter has {@code settings}; the caller expects it to fail. */
    private static void startWith(String settings) throws Exception {
        TestGateway.builder()
                .plugin("auth-api-key", new ApiKeyPlugin())
                .config("routes = [ { path = \"/x\", endpoint = test-echo, filters = [ { type = api-key, " + settings + " } ] } ]")
                .start()
                .close();
    }

    /** A GET over HTTP/1.1; {@code headers} are name, value pairs. */
    private static HttpResponse<String> send(URI uri, String... headers) throws Exception {
        return Transport.send(http1, uri, headers);
    }

    /** How a test reaches the gateway. */
    enum Transport {
        HTTP_1_1,
        HTTP_2_TLS;

        HttpResponse<String> send(String path, String... headers) throws Exception {
            return this == HTTP_1_1 ? send(http1, gateway.http(path), headers) : send(http2, gateway.https(path), headers);
        }

        static HttpResponse<String> send(HttpClient client, URI uri, String... headers) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri);
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
