package dev.tollgate.plugin.backendgrpc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import dev.tollgate.runtime.testing.TestGateway;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.testing.integration.TestServiceImpl;
import io.grpc.util.MutableHandlerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.tollgate.plugin.backendgrpc.Gateways.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schemas from server reflection (v1, and v1alpha when the server has only that), refreshed
 * when a method is not found; the official interop TestService through reflection and through a
 * descriptor set, including its server stream.
 */
class ReflectionTest {
    private static final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterAll
    static void stopExecutor() {
        executor.shutdownNow();
    }

    private static JsonObject json(HttpResponse<String> response) {
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    private static String config(String url, String schema) {
        return """
                services.svc { backend = grpc, instances = ["%s"], schema { %s } }
                routes = [ { path = "/**", service = svc } ]
                """.formatted(url, schema);
    }

    @Test
    void v1ReflectionGivesTheMethodsAndTheirHttpBindings() throws Exception {
        try (ProjectsServer server = ProjectsServer.start(ProtoReflectionServiceV1.newInstance());
             TestGateway gateway = Gateways.start(config(server.url(), "reflection = true"))) {
            assertThat(json(send(gateway, "GET", "/v1/projects/p1", null)).get("displayName").getAsString()).isEqualTo("Project p1");
            assertThat(json(send(gateway, "POST", "/tollgate.test.Projects/GetProject", "{\"id\":\"p2\"}")).get("id").getAsString())
                    .isEqualTo("p2");
        }
    }

    @Test
    void v1alphaIsTheFallback() throws Exception {
        @SuppressWarnings("deprecation")
        ProtoReflectionService v1alpha = (ProtoReflectionService) ProtoReflectionService.newInstance();
        try (ProjectsServer server = ProjectsServer.start(v1alpha);
             TestGateway gateway = Gateways.start(config(server.url(), "reflection = true"))) {
            HttpResponse<String> response = send(gateway, "GET", "/v1/projects/p1", null);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
    }

    @Test
    void anUnknownMethodAsksReflectionAgain() throws Exception {
        MutableHandlerRegistry registry = new MutableHandlerRegistry();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(ProtoReflectionServiceV1.newInstance())
                .fallbackHandlerRegistry(registry).build().start();
        try (TestGateway gateway = Gateways.start(config("grpc://127.0.0.1:" + server.getPort(),
                "reflection = true, not-found-refresh-interval = 0s"))) {
            HttpResponse<String> before = send(gateway, "POST", "/grpc.testing.TestService/EmptyCall", "{}");
            assertThat(before.statusCode()).as(before.body()).isEqualTo(404);
            assertThat(json(before).getAsJsonObject("error").get("code").getAsString()).isEqualTo("NOT_FOUND");

            registry.addService(new TestServiceImpl(executor));
            HttpResponse<String> after = send(gateway, "POST", "/grpc.testing.TestService/EmptyCall", "{}");
            assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
            assertThat(after.body()).isEqualTo("{}");
        }
        finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutAnyInstanceToAskReflectionAnswers503() throws Exception {
        try (TestGateway gateway = Gateways.start(config("grpc://127.0.0.1:9", "reflection = true"))) {
            HttpResponse<String> response = send(gateway, "GET", "/v1/projects/p1", null);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(json(response).getAsJsonObject("error").get("message").getAsString()).contains("svc").contains("reflection");
        }
    }

    @Test
    void theInteropTestServiceThroughReflection() throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new TestServiceImpl(executor))
                .addService(ProtoReflectionServiceV1.newInstance()).build().start();
        try (TestGateway gateway = Gateways.start(config("grpc://127.0.0.1:" + server.getPort(), "reflection = true"))) {
            exerciseTestService(gateway);
        }
        finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theInteropTestServiceThroughADescriptorSetWithoutReflection(@TempDir Path directory) throws Exception {
        Path descriptorSet = directory.resolve("test-service.pb");
        Map<String, FileDescriptor> files = new LinkedHashMap<>();
        collect(io.grpc.testing.integration.Test.getDescriptor(), files);
        FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
        files.values().forEach(file -> set.addFile(file.toProto()));
        Files.write(descriptorSet, set.build().toByteArray());
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new TestServiceImpl(executor))
                .build().start();
        try (TestGateway gateway = Gateways.start(config("grpc://127.0.0.1:" + server.getPort(),
                "descriptor-sets = [\"" + descriptorSet + "\"]"))) {
            exerciseTestService(gateway);
        }
        finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static void collect(FileDescriptor file, Map<String, FileDescriptor> files) {
        for (FileDescriptor dependency : file.getDependencies()) {
            collect(dependency, files);
        }
        files.putIfAbsent(file.getName(), file);
    }

    private static void exerciseTestService(TestGateway gateway) throws Exception {
        HttpResponse<String> unary = send(gateway, "POST", "/grpc.testing.TestService/UnaryCall", "{\"responseSize\": 4, \"fillUsername\": false}");
        assertThat(unary.statusCode()).as(unary.body()).isEqualTo(200);
        assertThat(json(unary).getAsJsonObject("payload").get("body").getAsString()).isEqualTo("AAAAAA==");

        HttpResponse<String> failing = send(gateway, "POST", "/grpc.testing.TestService/UnaryCall",
                "{\"responseStatus\": {\"code\": 5, \"message\": \"echoed\"}}");
        assertThat(failing.statusCode()).isEqualTo(404);
        assertThat(json(failing).getAsJsonObject("error").get("grpcStatus").getAsString()).isEqualTo("NOT_FOUND");
        assertThat(json(failing).getAsJsonObject("error").get("message").getAsString()).isEqualTo("echoed");

        HttpResponse<String> stream = send(gateway, "POST", "/grpc.testing.TestService/StreamingOutputCall",
                "{\"responseParameters\": [{\"size\": 1}, {\"size\": 2}, {\"size\": 3}]}", "Accept", "application/x-ndjson");
        assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        assertThat(stream.body().split("\n")).containsExactly("{\"payload\":{\"body\":\"AA==\"}}", "{\"payload\":{\"body\":\"AAA=\"}}",
                "{\"payload\":{\"body\":\"AAAA\"}}");

        HttpResponse<String> unimplemented = send(gateway, "POST", "/grpc.testing.TestService/UnimplementedCall", "{}");
        assertThat(unimplemented.statusCode()).isEqualTo(501);
    }
}
