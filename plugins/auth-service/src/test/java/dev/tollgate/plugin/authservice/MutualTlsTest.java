package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.testing.TestCertificates;
import dev.tollgate.runtime.testing.TestGateway;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;

import static dev.tollgate.plugin.authservice.Gateways.withToken;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code grpcs://} authentication service that requires a client certificate, reached with the
 * service's {@code tls} settings (the runtime's: trust store and key store); without the client
 * certificate the handshake fails and the filter fails closed.
 */
class MutualTlsTest {
    @TempDir
    static Path directory;
    private static AuthServer auth;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates certificates = TestCertificates.generate(directory.resolve("pki"));
        auth = AuthServer.tollgate(GrpcSslContexts.configure(SslContextBuilder.forServer(keyManagers(certificates.server())))
                .trustManager(trustManagers(certificates.authority()))
                .clientAuth(ClientAuth.REQUIRE)
                .build());
        auth.account("tls-token", "pat", List.of("user"), Map.of());
        gateway = Gateways.start("""
                services {
                  secure { backend = auth-service, instances = ["%1$s"]
                           tls { trust-store { path = "%2$s", password = "%3$s" }, key-store { path = "%4$s", password = "%3$s" } } }
                  no-certificate { backend = auth-service, instances = ["%1$s"], retries.attempts = 1
                                   tls { trust-store { path = "%2$s", password = "%3$s" } } }
                }
                filters {
                  secure { type = auth-service, service = secure, deadline = 5s }
                  no-certificate { type = auth-service, service = no-certificate }
                }
                routes = [
                  { path = "/secure/**", endpoint = test-echo, filters = [ secure ] }
                  { path = "/no-certificate/**", endpoint = test-echo, filters = [ no-certificate ] }
                ]
                """.formatted(auth.url(), certificates.authority(), TestCertificates.PASSWORD, certificates.client()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (auth != null) {
            auth.close();
        }
    }

    @Test
    void theServiceIsReachedOverMutualTls() throws Exception {
        HttpResponse<String> response = withToken(gateway, "/secure/x", "tls-token");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"principal\":\"pat\"");
        assertThat(auth.url()).startsWith("grpcs://");
    }

    @Test
    void withoutTheClientCertificateTheHandshakeFailsAndTheFilterFailsClosed() throws Exception {
        HttpResponse<String> response = withToken(gateway, "/no-certificate/x", "tls-token");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("the authentication service is unavailable");
    }

    private static KeyManagerFactory keyManagers(Path store) throws Exception {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(load(store), TestCertificates.PASSWORD.toCharArray());
        return factory;
    }

    private static TrustManagerFactory trustManagers(Path store) throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(load(store));
        return factory;
    }

    private static KeyStore load(Path file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        return store;
    }
}
