package dev.tollgate.plugin.backendgrpc;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.tollgate.runtime.testing.TestGateway;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.testing.integration.TestServiceImpl;
import io.grpc.util.MutableHandlerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.tollgate.plugin.backendgrpc.Gateways.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The OpenAPI 3.1 document a route serves at its openapi-path, from a descriptor set and from
 * server reflection: valid against the OAS 3.1 schema, with the bindings' paths (the route's
 * prefix put back), parameters, bodies, the stream's media types and the proto3 JSON mapping's
 * schemas; and operations called as documented work.
 */
class OpenApiTest {
    private static final String REF = "#/components/schemas/";
    private static ProjectsServer server;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        server = ProjectsServer.start(ProtoReflectionServiceV1.newInstance());
        gateway = Gateways.start("""
                services.projects {
                  backend = grpc
                  instances = ["%1$s"]
                  schema.descriptor-sets = ["%2$s"]
                }
                services.reflected {
                  backend = grpc
                  instances = ["%1$s"]
                  schema.reflection = true
                  json.preserve-proto-field-names = true
                }
                routes = [
                  { path = "/api/projects/**", service = { name = projects, strip-prefix = "/api/projects", openapi-path = "/openapi.json" } }
                  { path = "/reflected/**", service = { name = reflected, strip-prefix = "/reflected", openapi-path = "/docs/openapi.json" } }
                ]
                """.formatted(server.url(), Gateways.DESCRIPTOR_SET));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static JsonObject document(String path) throws Exception {
        HttpResponse<String> response = send(gateway, "GET", path, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    private static JsonObject at(JsonObject root, String... steps) {
        JsonElement current = root;
        for (String step : steps) {
            assertThat(current.getAsJsonObject().has(step)).as("%s in %s", step, current).isTrue();
            current = current.getAsJsonObject().get(step);
        }
        return current.getAsJsonObject();
    }

    private static JsonObject parameter(JsonObject operation, String name) {
        for (JsonElement parameter : operation.getAsJsonArray("parameters")) {
            if (parameter.getAsJsonObject().get("name").getAsString().equals(name)) {
                return parameter.getAsJsonObject();
            }
        }
        throw new AssertionError("no parameter " + name + " in " + operation);
    }

    @Test
    void bothDocumentsAreValidOpenApi31() throws Exception {
        JsonSchema oas;
        try (InputStream schema = getClass().getResourceAsStream("/openapi/oas-3.1-schema-2022-02-27.json")) {
            oas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
        }
        // The validator does find faults: no info, an operation without responses.
        assertThat(oas.validate("{\"openapi\":\"3.1.0\",\"paths\":{\"/a\":{\"get\":{}}}}", InputFormat.JSON)).isNotEmpty();
        for (String path : List.of("/api/projects/openapi.json", "/reflected/docs/openapi.json")) {
            String json = send(gateway, "GET", path, null).body();
            Set<ValidationMessage> errors = oas.validate(json, InputFormat.JSON);
            assertThat(errors).as(path).isEmpty();
            JsonObject root = JsonParser.parseString(json).getAsJsonObject();
            assertThat(root.get("openapi").getAsString()).isEqualTo("3.1.0");
            // Every $ref resolves.
            List<String> refs = new ArrayList<>();
            collectRefs(root, refs);
            assertThat(refs).isNotEmpty();
            for (String ref : refs) {
                assertThat(ref).startsWith(REF);
                assertThat(at(root, "components", "schemas").has(ref.substring(REF.length()))).as(ref).isTrue();
            }
        }
        assertThat(at(document("/api/projects/openapi.json"), "info").get("title").getAsString()).isEqualTo("projects");
    }

    private static void collectRefs(JsonElement element, List<String> refs) {
        if (element.isJsonObject()) {
            for (var entry : element.getAsJsonObject().entrySet()) {
                if (entry.getKey().equals("$ref")) {
                    refs.add(entry.getValue().getAsString());
                }
                else {
                    collectRefs(entry.getValue(), refs);
                }
            }
        }
        else if (element.isJsonArray()) {
            element.getAsJsonArray().forEach(item -> collectRefs(item, refs));
        }
    }

    @Test
    void pathsParametersAndBodiesFollowTheBindings() throws Exception {
        JsonObject paths = at(document("/api/projects/openapi.json"), "paths");

        JsonObject get = at(paths, "/api/projects/v1/projects/{id}", "get");
        assertThat(get.get("operationId").getAsString()).isEqualTo("tollgate.test.Projects.GetProject");
        JsonObject id = parameter(get, "id");
        assertThat(id.get("in").getAsString()).isEqualTo("path");
        assertThat(id.get("required").getAsBoolean()).isTrue();
        assertThat(at(get, "responses", "200", "content", "application/json", "schema").get("$ref").getAsString())
                .isEqualTo(REF + "tollgate.test.Project");
        assertThat(at(get, "responses", "default", "content", "application/json", "schema").get("$ref").getAsString())
                .isEqualTo(REF + "tollgate.gateway.Error");
        assertThat(paths.has("/api/projects/v1/p/{id}")).isTrue();
        assertThat(paths.has("/api/projects/v1/projects/{id}")).isTrue();
        assertThat(at(paths, "/api/projects/v1/projects/{id}").has("delete")).isTrue();

        JsonObject file = at(paths, "/api/projects/v1/{name}", "get");
        assertThat(parameter(file, "name").get("description").getAsString()).contains("projects/*/files/**");

        JsonObject list = at(paths, "/api/projects/v1/projects", "get");
        assertThat(at(parameter(list, "pageSize"), "schema").get("format").getAsString()).isEqualTo("int32");
        JsonObject tags = parameter(list, "tags");
        assertThat(at(tags, "schema").get("type").getAsString()).isEqualTo("array");
        assertThat(tags.get("explode").getAsBoolean()).isTrue();
        assertThat(parameter(list, "owner.name").get("in").getAsString()).isEqualTo("query");
        assertThat(at(parameter(list, "status"), "schema").get("$ref").getAsString()).isEqualTo(REF + "tollgate.test.Status");

        JsonObject names = at(paths, "/api/projects/v1/projects:names", "get", "responses", "200", "content", "application/json", "schema");
        assertThat(names.get("type").getAsString()).isEqualTo("array");
        assertThat(at(names, "items").get("type").getAsString()).isEqualTo("string");

        JsonObject create = at(paths, "/api/projects/v1/projects", "post");
        assertThat(at(create, "requestBody", "content", "application/json", "schema").get("$ref").getAsString())
                .isEqualTo(REF + "tollgate.test.Project");
        assertThat(parameter(create, "requestId").get("in").getAsString()).isEqualTo("query");

        JsonObject patch = at(paths, "/api/projects/v1/projects/{project.id}", "patch");
        assertThat(parameter(patch, "project.id").get("in").getAsString()).isEqualTo("path");
        assertThat(parameter(patch, "validateOnly").get("in").getAsString()).isEqualTo("query");
        JsonObject put = at(paths, "/api/projects/v1/projects/{project.id}", "put");
        assertThat(at(put, "requestBody", "content", "application/json", "schema").get("$ref").getAsString())
                .isEqualTo(REF + "tollgate.test.UpdateProjectRequest");

        JsonObject archive = at(paths, "/api/projects/v1/projects/{id}:archive", "post");
        assertThat(at(archive, "requestBody", "content", "application/json", "schema").get("$ref").getAsString())
                .isEqualTo(REF + "tollgate.test.ArchiveProjectRequest");

        // custom { kind: "SEARCH" } has no OpenAPI operation; the default form documents the method.
        assertThat(paths.has("/api/projects/v1/projects:search")).isFalse();
        assertThat(paths.has("/api/projects/tollgate.test.Projects/SearchProjects")).isTrue();

        JsonObject byDefault = at(paths, "/api/projects/tollgate.test.Projects/GetProject", "post");
        assertThat(at(byDefault, "requestBody", "content", "application/json", "schema").get("$ref").getAsString())
                .isEqualTo(REF + "tollgate.test.GetProjectRequest");
        assertThat(byDefault.has("parameters")).isFalse();

        JsonObject events = at(paths, "/api/projects/v1/events", "get", "responses", "200", "content");
        assertThat(events.keySet()).containsExactlyInAnyOrder("text/event-stream", "application/x-ndjson", "application/json");
        assertThat(at(events, "application/x-ndjson", "schema").get("$ref").getAsString()).isEqualTo(REF + "tollgate.test.Event");
        assertThat(at(events, "application/json", "schema").get("type").getAsString()).isEqualTo("array");
        assertThat(at(events, "application/json", "schema", "items").get("$ref").getAsString()).isEqualTo(REF + "tollgate.test.Event");
    }

    @Test
    void messagesFollowTheProto3JsonMapping() throws Exception {
        JsonObject schemas = at(document("/api/projects/openapi.json"), "components", "schemas");
        JsonObject project = at(schemas, "tollgate.test.Project", "properties");
        assertThat(project.keySet()).contains("displayName", "createdAt");
        assertThat(at(project, "size").get("type").getAsString()).isEqualTo("string");
        assertThat(at(project, "size").get("format").getAsString()).isEqualTo("int64");
        assertThat(at(project, "status").get("$ref").getAsString()).isEqualTo(REF + "tollgate.test.Status");
        assertThat(at(project, "createdAt").get("format").getAsString()).isEqualTo("date-time");
        assertThat(at(project, "priority").getAsJsonArray("type").toString()).isEqualTo("[\"integer\",\"null\"]");
        assertThat(at(project, "labels", "additionalProperties").get("type").getAsString()).isEqualTo("string");
        assertThat(at(project, "tags").get("type").getAsString()).isEqualTo("array");
        assertThat(at(project, "extra", "properties").has("@type")).isTrue();
        JsonArray statuses = at(schemas, "tollgate.test.Status").getAsJsonArray("enum");
        assertThat(statuses.toString()).isEqualTo("[\"STATUS_UNSPECIFIED\",\"ACTIVE\",\"ARCHIVED\"]");
        // Comments of the descriptor set's source info.
        assertThat(at(schemas, "tollgate.test.FailRequest", "properties", "code").get("description").getAsString())
                .isEqualTo("A grpc status code number.");

        // Reflection, with json.preserve-proto-field-names: the same messages, original names.
        JsonObject reflected = document("/reflected/docs/openapi.json");
        assertThat(at(reflected, "components", "schemas", "tollgate.test.Project", "properties").keySet()).contains("display_name", "created_at");
        assertThat(at(reflected, "paths").keySet()).contains("/reflected/v1/projects/{id}", "/reflected/v1/events",
                "/reflected/tollgate.test.Projects/Watch");
        assertThat(parameter(at(reflected, "paths", "/reflected/v1/projects", "get"), "page_size").get("in").getAsString()).isEqualTo("query");
    }

    @Test
    void operationsWorkAsDocumented() throws Exception {
        JsonObject root = document("/api/projects/openapi.json");
        JsonObject schemas = at(root, "components", "schemas");
        Set<String> projectFields = at(schemas, "tollgate.test.Project", "properties").keySet();

        HttpResponse<String> got = send(gateway, "GET", "/api/projects/v1/projects/{id}".replace("{id}", "p1"), null);
        assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
        assertThat(projectFields).containsAll(JsonParser.parseString(got.body()).getAsJsonObject().keySet());

        // The documented query parameter names set the fields.
        HttpResponse<String> listed = send(gateway, "GET", "/api/projects/v1/projects?pageSize=3&tags=a&tags=b&owner.name=ann&status=ACTIVE", null);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        JsonObject received = JsonParser.parseString(listed.body()).getAsJsonObject().getAsJsonObject("received");
        assertThat(received.get("pageSize").getAsInt()).isEqualTo(3);
        assertThat(received.getAsJsonArray("tags")).hasSize(2);
        assertThat(received.getAsJsonObject("owner").get("name").getAsString()).isEqualTo("ann");
        assertThat(at(schemas, "tollgate.test.ListProjectsResponse", "properties").keySet())
                .containsAll(JsonParser.parseString(listed.body()).getAsJsonObject().keySet());

        HttpResponse<String> archived = send(gateway, "POST", "/api/projects/v1/projects/p5:archive", "{\"reason\":\"done\"}");
        assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);

        HttpResponse<String> stream = send(gateway, "GET", "/api/projects/v1/events?count=2", null, "Accept", "application/x-ndjson");
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-ndjson");
        assertThat(stream.body().strip().split("\n")).hasSize(2);

        HttpResponse<String> missing = send(gateway, "GET", "/api/projects/v1/projects/missing", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(at(schemas, "tollgate.gateway.Error", "properties", "error", "properties").keySet())
                .containsAll(JsonParser.parseString(missing.body()).getAsJsonObject().getAsJsonObject("error").keySet());
    }

    @Test
    void theDocumentFollowsAReflectionRefresh() throws Exception {
        MutableHandlerRegistry registry = new MutableHandlerRegistry();
        Server reflecting = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ProtoReflectionServiceV1.newInstance()).fallbackHandlerRegistry(registry).build().start();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try (TestGateway refreshing = Gateways.start("""
                services.svc { backend = grpc, instances = ["grpc://127.0.0.1:%d"], schema { reflection = true, not-found-refresh-interval = 0s } }
                routes = [ { path = "/**", service = { name = svc, openapi-path = "/openapi.json" } } ]
                """.formatted(reflecting.getPort()))) {
            HttpResponse<String> before = send(refreshing, "GET", "/openapi.json", null);
            assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
            JsonObject first = JsonParser.parseString(before.body()).getAsJsonObject();
            assertThat(at(first, "paths").has("/grpc.testing.TestService/EmptyCall")).isFalse();

            registry.addService(new TestServiceImpl(executor));
            // A request for a method the schema does not know asks reflection again.
            assertThat(send(refreshing, "POST", "/grpc.testing.TestService/EmptyCall", "{}").statusCode()).isEqualTo(200);

            JsonObject second = JsonParser.parseString(send(refreshing, "GET", "/openapi.json", null).body()).getAsJsonObject();
            JsonObject paths = at(second, "paths");
            assertThat(paths.has("/grpc.testing.TestService/EmptyCall")).isTrue();
            assertThat(at(paths, "/grpc.testing.TestService/StreamingOutputCall", "post", "responses", "200", "content").keySet())
                    .contains("text/event-stream", "application/x-ndjson");
            // Client-streaming and bidirectional methods cannot be called over HTTP/JSON: not documented.
            assertThat(paths.has("/grpc.testing.TestService/FullDuplexCall")).isFalse();
            assertThat(paths.has("/grpc.testing.TestService/StreamingInputCall")).isFalse();
            assertThat(at(second, "info").get("version").getAsString()).isNotEqualTo(at(first, "info").get("version").getAsString());
        }
        finally {
            reflecting.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            executor.shutdownNow();
        }
    }

    @Test
    void theDocumentIsServedOnlyToGetAtItsPath() throws Exception {
        assertThat(send(gateway, "GET", "/api/projects/openapi.json", null).body())
                .isEqualTo(send(gateway, "GET", "/api/projects/openapi.json", null).body());
        assertThat(send(gateway, "GET", "/api/projects/openapi.jsonx", null).statusCode()).isEqualTo(404);
        assertThat(send(gateway, "GET", "/reflected/openapi.json", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aBadOpenApiPathIsAConfigurationErrorNamingTheKey() {
        for (String bad : List.of("openapi.json", "/docs/", "/{x}", "/a?b")) {
            assertThatThrownBy(() -> Gateways.start("""
                    services.projects { backend = grpc, instances = ["grpc://127.0.0.1:1"], schema.descriptor-sets = ["%s"] }
                    routes = [ { path = "/api/**", service = { name = projects, strip-prefix = "/api", openapi-path = "%s" } } ]
                    """.formatted(Gateways.DESCRIPTOR_SET, bad))).as(bad).hasMessageContaining("openapi-path");
        }
    }
}
