package dev.tollgate.plugin.backendgrpc;

import dev.tollgate.runtime.testing.TestGateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** Starting gateways with the plugin, and plain HTTP/1.1 requests to them. */
final class Gateways {
    /** The descriptor set the build makes from src/test/proto (protoc --include_imports). */
    static final Path DESCRIPTOR_SET = Path.of("target/generated-test-resources/protobuf/descriptor-sets/test-services.pb").toAbsolutePath();

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private Gateways() {
    }

    static TestGateway start(String config) throws Exception {
        return TestGateway.builder().plugin("backend-grpc", new GrpcBackendPlugin()).config(config).start();
    }

    static HttpResponse<String> send(TestGateway gateway, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String metrics(TestGateway gateway) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(gateway.management("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static URI uri(TestGateway gateway, String path) {
        return gateway.http(path);
    }
}
