package dev.tollgate.plugin.backendgrpc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tollgate.runtime.testing.TestCertificates;
import dev.tollgate.runtime.testing.TestGateway;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static dev.tollgate.plugin.backendgrpc.Gateways.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a call carries besides its message: the authenticated principal as {@code x-user-id} and
 * {@code x-user-roles} (a client's own copies removed), {@code -bin} metadata both ways as base64
 * headers, a route's own deadline, and {@code grpcs://} instances reached with the service's trust
 * store and client certificate (mutual TLS).
 */
class CallsTest {
    @TempDir
    static Path directory;
    private static ProjectsServer server;
    private static Server tlsServer;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        server = ProjectsServer.start();
        TestCertificates certificates = TestCertificates.generate(directory.resolve("pki"));
        tlsServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(keyManagers(certificates.server())))
                        .trustManager(trustManagers(certificates.authority()))
                        .clientAuth(ClientAuth.REQUIRE)
                        .build())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(new io.grpc.testing.integration.TestServiceImpl(java.util.concurrent.Executors.newSingleThreadScheduledExecutor()))
                .build()
                .start();
        String tls = """
                tls {
                  trust-store { path = "%s", password = "%s" }
                  key-store { path = "%s", password = "%s" }
                }""".formatted(certificates.authority(), TestCertificates.PASSWORD, certificates.client(), TestCertificates.PASSWORD);
        String noClientCertificate = """
                tls { trust-store { path = "%s", password = "%s" } }""".formatted(certificates.authority(), TestCertificates.PASSWORD);
        gateway = Gateways.start("""
                services.projects {
                  backend = grpc, instances = ["%s"], schema.descriptor-sets = ["%s"]
                  metadata { request-headers = [x-trace-bin, x-user-id], response-headers = [x-reply-bin] }
                }
                services.secure { backend = grpc, instances = ["grpcs://127.0.0.1:%d"], schema.reflection = true, %s }
                services.anonymous-tls { backend = grpc, instances = ["grpcs://127.0.0.1:%d"], schema.reflection = true,
                                         retries.attempts = 1, %s }
                routes = [
                  { path = "/user/**", filters = [test-header-auth], service = { name = projects, strip-prefix = "/user" } }
                  { path = "/quick/**", service = { name = projects, strip-prefix = "/quick", deadline = 300ms } }
                  { path = "/secure/**", service = { name = secure, strip-prefix = "/secure" } }
                  { path = "/no-certificate/**", service = { name = anonymous-tls, strip-prefix = "/no-certificate" } }
                  { path = "/**", service = projects }
                ]
                """.formatted(server.url(), Gateways.DESCRIPTOR_SET, tlsServer.getPort(), tls, tlsServer.getPort(), noClientCertificate));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (tlsServer != null) {
            tlsServer.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void thePrincipalGoesAsMetadataAndAClientsOwnCopyIsRemoved() throws Exception {
        // x-user-id is even allowlisted as a request header: the principal still decides it.
        HttpResponse<String> response = send(gateway, "POST", "/user/v1/echo", "{}", "X-User", "ann", "x-user-id", "root",
                "x-user-roles", "admin");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject metadata = JsonParser.parseString(response.body()).getAsJsonObject().getAsJsonObject("metadata");
        assertThat(metadata.get("x-user-id").getAsString()).isEqualTo("ann");
        assertThat(metadata.get("x-user-roles").getAsString()).isEqualTo("user");

        // Without a principal, a client's copies go nowhere.
        HttpResponse<String> anonymous = send(gateway, "POST", "/v1/echo", "{}", "x-user-id", "root", "x-user-roles", "admin");
        JsonObject none = JsonParser.parseString(anonymous.body()).getAsJsonObject().getAsJsonObject("metadata");
        assertThat(none.has("x-user-id")).isFalse();
        assertThat(none.has("x-user-roles")).isFalse();
    }

    @Test
    void binaryMetadataCrossesAsBase64BothWays() throws Exception {
        byte[] trace = {0, 1, 2, (byte) 0xff, 'x'};
        byte[] reply = {(byte) 0xca, (byte) 0xfe, 0};
        String body = "{\"responseMetadata\":{\"x-reply-bin\":\"" + Base64.getEncoder().encodeToString(reply) + "\"}}";
        HttpResponse<String> response = send(gateway, "POST", "/v1/echo", body, "x-trace-bin", Base64.getEncoder().encodeToString(trace));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject metadata = JsonParser.parseString(response.body()).getAsJsonObject().getAsJsonObject("metadata");
        assertThat(Base64.getDecoder().decode(metadata.get("x-trace-bin").getAsString())).isEqualTo(trace);
        assertThat(response.headers().firstValue("x-reply-bin")).isPresent();
        assertThat(Base64.getDecoder().decode(response.headers().firstValue("x-reply-bin").orElseThrow())).isEqualTo(reply);

        // A -bin header that is not base64 is no valid metadata value: not sent, and the call goes on.
        HttpResponse<String> invalid = send(gateway, "POST", "/v1/echo", "{}", "x-trace-bin", "not base64!");
        assertThat(invalid.statusCode()).isEqualTo(200);
        assertThat(JsonParser.parseString(invalid.body()).getAsJsonObject().getAsJsonObject("metadata").has("x-trace-bin")).isFalse();
    }

    @Test
    void aRoutesDeadlineBoundsItsCalls() throws Exception {
        HttpResponse<String> echo = send(gateway, "POST", "/quick/v1/echo", "{}");
        assertThat(JsonParser.parseString(echo.body()).getAsJsonObject().get("deadlineMillis").getAsLong()).isBetween(1L, 300L);

        HttpResponse<String> slow = send(gateway, "POST", "/quick/v1/slow", "{\"millis\":3000}");
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(JsonParser.parseString(slow.body()).getAsJsonObject().getAsJsonObject("error").get("grpcStatus").getAsString())
                .isEqualTo("DEADLINE_EXCEEDED");

        // The same call on the service's default deadline (30 s) completes.
        assertThat(send(gateway, "POST", "/v1/slow", "{\"millis\":400}").statusCode()).isEqualTo(200);
    }

    @Test
    void aGrpcsInstanceIsReachedWithTheTrustStoreAndTheClientCertificate() throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/secure/grpc.testing.TestService/UnaryCall", "{\"responseSize\":4}");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject payload = JsonParser.parseString(response.body()).getAsJsonObject().getAsJsonObject("payload");
        assertThat(Base64.getDecoder().decode(payload.get("body").getAsString())).hasSize(4);
    }

    @Test
    void withoutTheClientCertificateTheHandshakeFailsAndTheServiceHasNoSchema() throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/no-certificate/grpc.testing.TestService/EmptyCall", "{}");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("the schema of service 'anonymous-tls' is not known yet");
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
