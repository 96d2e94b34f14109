package dev.tollgate.plugin.backendgrpc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;

import static dev.tollgate.plugin.backendgrpc.Gateways.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/JSON through the gateway to a real grpc-java server, the schema from a descriptor set:
 * the default POST /package.Service/Method binding, every google.api.http form, the proto3 JSON
 * mapping both ways, 400s that name the field, 404 for no method, and gRPC statuses as HTTP ones
 * with the JSON error shape and its details.
 */
class TranscodingTest {
    private static ProjectsServer server;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        server = ProjectsServer.start();
        gateway = Gateways.start("""
                services.projects {
                  backend = grpc
                  instances = ["%s"]
                  schema.descriptor-sets = ["%s"]
                  metadata { request-headers = [x-tenant], response-headers = [x-served-by] }
                }
                routes = [ { path = "/api/projects/**", service = { name = projects, strip-prefix = "/api/projects" } } ]
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

    private static JsonObject json(HttpResponse<String> response) {
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    @Test
    void theDefaultBindingTakesTheJsonRequestAsBody() throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/api/projects/tollgate.test.Projects/GetProject", "{\"id\":\"p1\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response).get("displayName").getAsString()).isEqualTo("Project p1");
    }

    @Test
    void requestsTakeLowerCamelAndOriginalNamesEnumsByNameOrNumberAndWellKnownTypes() throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/api/projects/tollgate.test.Projects/CreateProject", """
                {"project": {"display_name": "A", "status": 1, "tags": ["x", "y"], "createdAt": "2024-05-01T10:00:00Z",
                 "size": "12345678901", "labels": {"team": "core"}, "priority": 7,
                 "extra": {"@type": "type.googleapis.com/tollgate.test.Owner", "name": "ann", "level": 3}},
                 "requestId": "r-1"}
                """);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonObject project = json(response);
        assertThat(project.get("id").getAsString()).isEqualTo("r-1");
        assertThat(project.get("displayName").getAsString()).isEqualTo("A");
        assertThat(project.get("status").getAsString()).isEqualTo("ACTIVE");
        assertThat(project.get("createdAt").getAsString()).isEqualTo("2024-05-01T10:00:00Z");
        assertThat(project.get("size").getAsString()).isEqualTo("12345678901");
        assertThat(project.get("priority").getAsInt()).isEqualTo(7);
        assertThat(project.getAsJsonObject("labels").get("team").getAsString()).isEqualTo("core");
        JsonObject extra = project.getAsJsonObject("extra");
        assertThat(extra.get("@type").getAsString()).isEqualTo("type.googleapis.com/tollgate.test.Owner");
        assertThat(extra.get("name").getAsString()).isEqualTo("ann");
        assertThat(extra.get("level").getAsInt()).isEqualTo(3);
    }

    @Test
    void getWithAPathVariableAndAnAdditionalBinding() throws Exception {
        assertThat(json(send(gateway, "GET", "/api/projects/v1/projects/p%202", null)).get("id").getAsString()).isEqualTo("p 2");
        assertThat(json(send(gateway, "GET", "/api/projects/v1/p/p3", null)).get("displayName").getAsString()).isEqualTo("Project p3");
    }

    @Test
    void queryParametersFillNestedAndRepeatedFieldsAndEnums() throws Exception {
        HttpResponse<String> response = send(gateway, "GET",
                "/api/projects/v1/projects?page_size=5&tags=a&tags=b&owner.name=ann&owner.level=2&status=ARCHIVED&unknown=1", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonObject received = json(response).getAsJsonObject("received");
        assertThat(received.get("pageSize").getAsInt()).isEqualTo(5);
        assertThat(received.getAsJsonArray("tags").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(received.getAsJsonObject("owner").get("name").getAsString()).isEqualTo("ann");
        assertThat(received.getAsJsonObject("owner").get("level").getAsInt()).isEqualTo(2);
        assertThat(received.get("status").getAsString()).isEqualTo("ARCHIVED");
    }

    @Test
    void responseBodyAnswersOneFieldAndAVerbSelectsTheBinding() throws Exception {
        HttpResponse<String> response = send(gateway, "GET", "/api/projects/v1/projects:names", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("[\"a\",\"b\"]");
    }

    @Test
    void postWithABodyFieldAndTheRestFromTheQuery() throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/api/projects/v1/projects?request_id=q-9", "{\"displayName\":\"B\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response).get("id").getAsString()).isEqualTo("q-9");
        assertThat(json(response).get("displayName").getAsString()).isEqualTo("B");
    }

    @Test
    void patchWithANestedPathVariableAndPutWithTheWholeBody() throws Exception {
        HttpResponse<String> patched = send(gateway, "PATCH", "/api/projects/v1/projects/p7?validate_only=true", "{\"displayName\":\"C\"}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(json(patched).get("id").getAsString()).isEqualTo("p7");
        assertThat(json(patched).get("displayName").getAsString()).isEqualTo("C (validated)");

        HttpResponse<String> put = send(gateway, "PUT", "/api/projects/v1/projects/p8",
                "{\"project\":{\"displayName\":\"D\"},\"validateOnly\":true}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(json(put).get("id").getAsString()).isEqualTo("p8");
        assertThat(json(put).get("displayName").getAsString()).isEqualTo("D (validated)");
    }

    @Test
    void deleteCustomVerbCustomMethodAndMultiSegmentVariable() throws Exception {
        HttpResponse<String> deleted = send(gateway, "DELETE", "/api/projects/v1/projects/p1", null);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("{}");

        HttpResponse<String> archived = send(gateway, "POST", "/api/projects/v1/projects/p5:archive", "{\"reason\":\"done\"}");
        assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);
        assertThat(json(archived).get("status").getAsString()).isEqualTo("ARCHIVED");
        assertThat(json(archived).get("id").getAsString()).isEqualTo("p5");
        assertThat(json(archived).get("displayName").getAsString()).isEqualTo("done");

        HttpResponse<String> searched = send(gateway, "SEARCH", "/api/projects/v1/projects:search", "{\"query\":\"q\",\"statuses\":[\"ACTIVE\",2]}");
        assertThat(searched.statusCode()).as(searched.body()).isEqualTo(200);
        assertThat(json(searched).getAsJsonArray("names").toString()).isEqualTo("[\"q\",\"ACTIVE\",\"ARCHIVED\"]");

        HttpResponse<String> file = send(gateway, "GET", "/api/projects/v1/projects/p1/files/docs/readme.md", null);
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        assertThat(json(file).get("name").getAsString()).isEqualTo("projects/p1/files/docs/readme.md");
    }

    @Test
    void malformedJsonAndWrongFieldTypesAre400sNamingTheField() throws Exception {
        HttpResponse<String> malformed = send(gateway, "POST", "/api/projects/tollgate.test.Projects/CreateProject", "{\"project\": {");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).getAsJsonObject("error").get("code").getAsString()).isEqualTo("BAD_REQUEST");
        assertThat(json(malformed).getAsJsonObject("error").get("message").getAsString()).contains("malformed JSON");

        HttpResponse<String> wrongType = send(gateway, "POST", "/api/projects/tollgate.test.Projects/CreateProject",
                "{\"project\": {\"owner\": {\"name\": \"a\", \"level\": \"high\"}}}");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(json(wrongType).getAsJsonObject("error").get("message").getAsString()).contains("project.owner.level");

        HttpResponse<String> unknownField = send(gateway, "POST", "/api/projects/tollgate.test.Projects/CreateProject",
                "{\"project\": {\"colour\": \"red\"}}");
        assertThat(unknownField.statusCode()).isEqualTo(400);
        assertThat(json(unknownField).getAsJsonObject("error").get("message").getAsString()).contains("project.colour");

        HttpResponse<String> badQuery = send(gateway, "GET", "/api/projects/v1/projects?page_size=many", null);
        assertThat(badQuery.statusCode()).isEqualTo(400);
        assertThat(json(badQuery).getAsJsonObject("error").get("message").getAsString()).contains("page_size");
    }

    @Test
    void anUnknownMethodIs404AndAKnownPathWithAnotherMethod405() throws Exception {
        HttpResponse<String> unknown = send(gateway, "POST", "/api/projects/tollgate.test.Projects/Nothing", "{}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).getAsJsonObject("error").get("code").getAsString()).isEqualTo("NOT_FOUND");
        assertThat(json(unknown).getAsJsonObject("error").get("message").getAsString()).contains("projects");

        HttpResponse<String> wrongMethod = send(gateway, "DELETE", "/api/projects/v1/projects:search", null);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
    }

    @ParameterizedTest
    @CsvSource({
            "3, 400, INVALID_ARGUMENT, BAD_REQUEST", "9, 400, FAILED_PRECONDITION, BAD_REQUEST", "11, 400, OUT_OF_RANGE, BAD_REQUEST",
            "16, 401, UNAUTHENTICATED, UNAUTHORIZED", "7, 403, PERMISSION_DENIED, FORBIDDEN", "5, 404, NOT_FOUND, NOT_FOUND",
            "6, 409, ALREADY_EXISTS, CONFLICT", "10, 409, ABORTED, CONFLICT", "8, 429, RESOURCE_EXHAUSTED, TOO_MANY_REQUESTS",
            "1, 499, CANCELLED, CLIENT_CLOSED_REQUEST", "12, 501, UNIMPLEMENTED, NOT_IMPLEMENTED", "14, 503, UNAVAILABLE, UNAVAILABLE",
            "4, 504, DEADLINE_EXCEEDED, GATEWAY_TIMEOUT", "2, 500, UNKNOWN, INTERNAL_ERROR", "13, 500, INTERNAL, INTERNAL_ERROR",
            "15, 500, DATA_LOSS, INTERNAL_ERROR"})
    void grpcStatusesAreAnsweredWithTheirHttpStatusAndTheJsonErrorShape(int code, int httpStatus, String name, String errorCode) throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/api/projects/v1/fail", "{\"code\": %d, \"message\": \"it went wrong\"}".formatted(code));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(httpStatus);
        JsonObject error = json(response).getAsJsonObject("error");
        assertThat(error.get("grpcStatus").getAsString()).isEqualTo(name);
        assertThat(error.get("message").getAsString()).isEqualTo("it went wrong");
        assertThat(error.get("requestId").getAsString()).isNotEmpty();
        assertThat(error.get("code").getAsString()).isEqualTo(errorCode);
    }

    @Test
    void statusDetailsArePrintedAsJson() throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/api/projects/v1/fail",
                "{\"code\": 3, \"message\": \"bad name\", \"withDetails\": true}");
        assertThat(response.statusCode()).isEqualTo(400);
        JsonObject error = json(response).getAsJsonObject("error");
        assertThat(error.get("code").getAsString()).isEqualTo("BAD_REQUEST");
        assertThat(error.get("grpcStatus").getAsString()).isEqualTo("INVALID_ARGUMENT");
        JsonObject badRequest = error.getAsJsonArray("details").get(0).getAsJsonObject();
        assertThat(badRequest.get("@type").getAsString()).isEqualTo("type.googleapis.com/google.rpc.BadRequest");
        assertThat(badRequest.getAsJsonArray("fieldViolations").get(0).getAsJsonObject().get("field").getAsString()).isEqualTo("display_name");
        JsonObject errorInfo = error.getAsJsonArray("details").get(1).getAsJsonObject();
        assertThat(errorInfo.get("reason").getAsString()).isEqualTo("EMPTY_NAME");
    }

    @Test
    void metadataCrossesByTheAllowlistsWithTheRequestIdAndTraceContext() throws Exception {
        HttpResponse<String> response = send(gateway, "POST", "/api/projects/v1/echo",
                "{\"text\": \"hi\", \"responseMetadata\": {\"x-served-by\": \"instance-1\", \"x-secret\": \"no\"}}",
                "X-Tenant", "acme", "X-Other", "not-forwarded", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "X-Request-Id", "req-42");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonObject metadata = json(response).getAsJsonObject("metadata");
        assertThat(metadata.get("x-tenant").getAsString()).isEqualTo("acme");
        assertThat(metadata.has("x-other")).isFalse();
        assertThat(metadata.get("x-request-id").getAsString()).isEqualTo("req-42");
        assertThat(metadata.get("traceparent").getAsString()).startsWith("00-0af7651916cd43dd8448eb211c80319c");
        assertThat(response.headers().firstValue("x-served-by")).hasValue("instance-1");
        assertThat(response.headers().firstValue("x-secret")).isEmpty();
    }

    @Test
    void deadlinesComeFromTheRouteOrTheClientsGrpcTimeout() throws Exception {
        HttpResponse<String> echo = send(gateway, "POST", "/api/projects/v1/echo", "{}", "grpc-timeout", "2S");
        assertThat(json(echo).get("deadlineMillis").getAsLong()).isBetween(1L, 2000L);
        HttpResponse<String> routeDefault = send(gateway, "POST", "/api/projects/v1/echo", "{}");
        assertThat(json(routeDefault).get("deadlineMillis").getAsLong()).isBetween(2001L, 30_000L);

        HttpResponse<String> slow = send(gateway, "POST", "/api/projects/v1/slow", "{\"millis\": 3000}", "grpc-timeout", "200m");
        assertThat(slow.statusCode()).as(slow.body()).isEqualTo(504);
        assertThat(json(slow).getAsJsonObject("error").get("grpcStatus").getAsString()).isEqualTo("DEADLINE_EXCEEDED");
    }
}
