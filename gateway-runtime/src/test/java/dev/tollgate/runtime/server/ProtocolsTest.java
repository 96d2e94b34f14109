package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every client protocol over real sockets: HTTP/1.1, h2c, h2 over TLS with ALPN, and HTTP/2-only TLS. */
class ProtocolsTest {
    private static final String ROUTES = """
            routes = [ { path = "/echo/**", endpoint = test-echo }, { path = "/stream", endpoint = test-stream } ]
            """;

    @Test
    void http11OnBothListeners() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES)) {
            var client = Clients.jdk(gateway.home(), java.net.http.HttpClient.Version.HTTP_1_1);
            HttpResponse<String> clear = client.send(HttpRequest.newBuilder(gateway.http("/echo/a")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(clear.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
            assertThat(clear.body()).contains("\"protocol\":\"HTTP/1.1\"", "\"scheme\":\"http\"");
            HttpResponse<String> tls = client.send(HttpRequest.newBuilder(gateway.https("/echo/a")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tls.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
            assertThat(tls.body()).contains("\"protocol\":\"HTTP/1.1\"", "\"scheme\":\"https\"");
        }
    }

    @Test
    void h2cWithPriorKnowledgeAndH2OverTlsWithAlpn() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES)) {
            HttpClient client = Clients.http2(gateway.home());
            try {
                ContentResponse h2c = client.GET("http://127.0.0.1:" + gateway.gateway().httpPort() + "/echo/h2c");
                assertThat(h2c.getVersion()).isEqualTo(HttpVersion.HTTP_2);
                assertThat(h2c.getContentAsString()).contains("\"protocol\":\"HTTP/2.0\"", "\"scheme\":\"http\"");

                ContentResponse h2 = client.GET(gateway.https("/echo/h2"));
                assertThat(h2.getVersion()).isEqualTo(HttpVersion.HTTP_2);
                assertThat(h2.getContentAsString()).contains("\"protocol\":\"HTTP/2.0\"", "\"scheme\":\"https\"");
                assertThat(h2.getHeaders().get("Server")).isNull();

                ContentResponse streamed = client.POST(gateway.https("/stream"))
                        .body(new StringRequestContent("text/plain", "x".repeat(200_000)))
                        .timeout(10, TimeUnit.SECONDS).send();
                assertThat(streamed.getStatus()).isEqualTo(200);
                assertThat(streamed.getContentAsString()).hasSize(200_000);
            }
            finally {
                client.stop();
            }
        }
    }

    @Test
    void jdkClientNegotiatesH2OverTlsAndIsServedHttp11WhenItAsksForAnH2cUpgrade() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES)) {
            var client = Clients.jdk(gateway.home(), java.net.http.HttpClient.Version.HTTP_2);
            HttpResponse<String> tls = client.send(HttpRequest.newBuilder(gateway.https("/echo/x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tls.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
            HttpResponse<String> notUpgraded = client.send(HttpRequest.newBuilder(gateway.http("/echo/x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(notUpgraded.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
            assertThat(notUpgraded.body()).contains("\"protocol\":\"HTTP/1.1\"");
        }
    }

    @Test
    void h2cUpgradeWhenEnabled() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES + "\nserver.http.h2c-upgrade = true")) {
            var client = Clients.jdk(gateway.home(), java.net.http.HttpClient.Version.HTTP_2);
            HttpResponse<String> upgraded = client.send(HttpRequest.newBuilder(gateway.http("/echo/x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(upgraded.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
        }
    }

    @Test
    void http2OnlyRefusesHttp11OverTls() throws Exception {
        try (TestGateway gateway = TestGateway.start(ROUTES + "\nserver.https.http2-only = true")) {
            var http11 = Clients.jdk(gateway.home(), java.net.http.HttpClient.Version.HTTP_1_1);
            assertThatThrownBy(() -> http11.send(HttpRequest.newBuilder(gateway.https("/echo/x")).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class)
                    .satisfies(e -> assertThat(e).isInstanceOfAny(SSLHandshakeException.class, IOException.class));
            HttpClient h2 = Clients.http2(gateway.home());
            try {
                assertThat(h2.GET(gateway.https("/echo/x")).getVersion()).isEqualTo(HttpVersion.HTTP_2);
            }
            finally {
                h2.stop();
            }
        }
    }

    @Test
    void theDevelopmentCertificateIsGeneratedOnceAndReused() throws Exception {
        java.nio.file.Path home = java.nio.file.Files.createTempDirectory("tollgate-cert-test");
        try {
            X509Certificate first;
            try (TestGateway gateway = TestGateway.builder().home(home).config(ROUTES).start()) {
                first = certificateOf(gateway);
                assertThat(first.getSubjectAlternativeNames()).extracting(name -> String.valueOf(name.get(1))).contains("localhost", "127.0.0.1");
            }
            try (TestGateway gateway = TestGateway.builder().home(home).config(ROUTES).start()) {
                assertThat(certificateOf(gateway)).isEqualTo(first);
            }
        }
        finally {
            TestGateway.delete(home);
        }
    }

    private static X509Certificate certificateOf(TestGateway gateway) throws Exception {
        javax.net.ssl.SSLSocketFactory factory = Clients.trusting(gateway.home()).getSocketFactory();
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) factory.createSocket("127.0.0.1", gateway.gateway().httpsPort())) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
