package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every client protocol through the gateway to every backend protocol: HTTP/1.1, h2 (TLS, ALPN)
 * and h2c clients; HTTP/1.1, h2c and h2 (TLS) instances, plus HTTP/1.1 over TLS forced by the
 * service's {@code protocol}. Backend TLS: a trust store, trust-all, hostname verification and a
 * client certificate (mutual TLS).
 */
class ProtocolsTest {
    @TempDir
    static Path directory;

    private static JettyBackend clearText;
    private static JettyBackend tls;
    private static JettyBackend mutualTls;
    private static JettyBackend wrongName;
    private static TestGateway gateway;
    private static HttpClient http11;
    private static HttpClient h2;
    private static org.eclipse.jetty.client.HttpClient h2c;

    @BeforeAll
    static void start() throws Exception {
        Path certificate = JettyBackend.certificate(directory.resolve("backend"));
        Path otherName = directory.resolve("other");
        java.nio.file.Files.createDirectories(otherName);
        dev.tollgate.runtime.tls.KeyStores.selfSigned(otherName, List.of("backend.example"));
        clearText = JettyBackend.clearText(new TestBackendHandler());
        tls = JettyBackend.tls(new TestBackendHandler(), certificate, false);
        mutualTls = JettyBackend.tls(new TestBackendHandler(), certificate, true);
        wrongName = JettyBackend.tls(new TestBackendHandler(), otherName.resolve("self-signed.p12"), false);
        String trust = "tls.trust-store { path = \"%s\", password = \"tollgate-development\" }".formatted(certificate);
        gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                services {
                  h1 { backend = http, instances = ["%s"] }
                  h2c { backend = http, instances = ["%s"] }
                  h2 { backend = http, instances = ["%s"], %s }
                  h1-tls { backend = http, protocol = "http/1.1", instances = ["%s"], %s }
                  mtls { backend = http, instances = ["%s"], %s, tls.key-store { path = "%s", password = "tollgate-development" } }
                  mtls-without-certificate { backend = http, instances = ["%s"], %s, retries.attempts = 1 }
                  untrusted { backend = http, instances = ["%s"], retries.attempts = 1 }
                  trust-all { backend = http, instances = ["%s"], tls.trust-all = true }
                  wrong-name { backend = http, instances = ["%s"], tls.trust-store { path = "%s", password = "tollgate-development" }, retries.attempts = 1 }
                  wrong-name-unchecked { backend = http, instances = ["%s"], tls.trust-store { path = "%s", password = "tollgate-development" }, tls.hostname-verification = false }
                }
                routes = [
                  { path = "/h1/**", service = { name = h1, strip-prefix = "/h1" } }
                  { path = "/h2c/**", service = { name = h2c, strip-prefix = "/h2c" } }
                  { path = "/h2/**", service = { name = h2, strip-prefix = "/h2" } }
                  { path = "/h1-tls/**", service = { name = h1-tls, strip-prefix = "/h1-tls" } }
                  { path = "/mtls/**", service = { name = mtls, strip-prefix = "/mtls" } }
                  { path = "/mtls-without-certificate/**", service = { name = mtls-without-certificate, strip-prefix = "/mtls-without-certificate" } }
                  { path = "/untrusted/**", service = { name = untrusted, strip-prefix = "/untrusted" } }
                  { path = "/trust-all/**", service = { name = trust-all, strip-prefix = "/trust-all" } }
                  { path = "/wrong-name/**", service = { name = wrong-name, strip-prefix = "/wrong-name" } }
                  { path = "/wrong-name-unchecked/**", service = { name = wrong-name-unchecked, strip-prefix = "/wrong-name-unchecked" } }
                ]
                """.formatted(clearText.url("http"), clearText.url("h2c"), tls.url("https"), trust, tls.url("https"), trust,
                mutualTls.url("https"), trust, certificate, mutualTls.url("https"), trust, tls.url("https"), tls.url("https"),
                wrongName.url("https"), otherName.resolve("self-signed.p12"), wrongName.url("https"), otherName.resolve("self-signed.p12")))
                .start();
        http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        h2 = Clients.jdk(gateway.home(), HttpClient.Version.HTTP_2);
        h2c = Clients.http2(gateway.home());
    }

    @AfterAll
    static void stop() throws Exception {
        if (h2c != null) {
            h2c.stop();
        }
        if (gateway != null) {
            gateway.close();
        }
        for (JettyBackend backend : new JettyBackend[] {clearText, tls, mutualTls, wrongName}) {
            if (backend != null) {
                backend.close();
            }
        }
    }

    static Stream<Arguments> clientsAndBackends() {
        return Stream.of("http/1.1", "h2", "h2c").flatMap(client -> Stream.of(
                Arguments.of(client, "h1", "HTTP/1.1"),
                Arguments.of(client, "h2c", "HTTP/2.0"),
                Arguments.of(client, "h2", "HTTP/2.0"),
                Arguments.of(client, "h1-tls", "HTTP/1.1")));
    }

    @ParameterizedTest(name = "{0} client → {1} backend")
    @MethodSource("clientsAndBackends")
    void proxiesEveryClientProtocolToEveryBackendProtocol(String client, String route, String backendProtocol) throws Exception {
        Answer get = send(client, "GET", "/" + route + "/describe?x=1", null);
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body()).contains("protocol=" + backendProtocol, "method=GET", "path=/describe", "query=x=1");

        Answer post = send(client, "POST", "/" + route + "/upload", "hello over " + client);
        assertThat(post.status()).isEqualTo(200);
        assertThat(post.body()).startsWith("bytes=" + ("hello over " + client).length() + " ").contains("protocol=" + backendProtocol);
    }

    @Test
    void presentsAClientCertificateForMutualTls() throws Exception {
        assertThat(send("http/1.1", "GET", "/mtls/describe", null).status()).isEqualTo(200);
        Answer refused = send("http/1.1", "GET", "/mtls-without-certificate/describe", null);
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.body()).contains("\"code\":\"BAD_GATEWAY\"");
    }

    @Test
    void checksCertificatesAndHostNamesUnlessToldNotTo() throws Exception {
        assertThat(send("http/1.1", "GET", "/untrusted/describe", null).status()).isEqualTo(502);
        assertThat(send("http/1.1", "GET", "/trust-all/describe", null).status()).isEqualTo(200);
        assertThat(send("http/1.1", "GET", "/wrong-name/describe", null).status()).isEqualTo(502);
        assertThat(send("http/1.1", "GET", "/wrong-name-unchecked/describe", null).status()).isEqualTo(200);
    }

    private static Answer send(String client, String method, String path, String body) throws Exception {
        switch (client) {
            case "http/1.1", "h2" -> {
                HttpClient jdk = client.equals("h2") ? h2 : http11;
                URI uri = client.equals("h2") ? gateway.https(path) : gateway.http(path);
                HttpRequest.Builder request = HttpRequest.newBuilder(uri);
                request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
                HttpResponse<String> response = jdk.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (client.equals("h2")) {
                    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
                }
                return new Answer(response.statusCode(), response.body());
            }
            case "h2c" -> {
                org.eclipse.jetty.client.Request request = h2c.newRequest(gateway.http(path)).method(HttpMethod.fromString(method))
                        .timeout(10, TimeUnit.SECONDS);
                if (body != null) {
                    request.body(new StringRequestContent(body));
                }
                ContentResponse response = request.send();
                assertThat(response.getVersion().asString()).isEqualTo("HTTP/2.0");
                return new Answer(response.getStatus(), response.getContentAsString());
            }
            default -> throw new IllegalArgumentException(client);
        }
    }

    private record Answer(int status, String body) {
    }
}
