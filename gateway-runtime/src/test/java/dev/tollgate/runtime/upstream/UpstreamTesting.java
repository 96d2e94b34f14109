package dev.tollgate.runtime.upstream;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestGateway;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** A gateway routing {@code /svc/**} to the test-upstream backend over real backend servers. */
final class UpstreamTesting {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private UpstreamTesting() {
    }

    /** Starts a gateway with service {@code svc} over these backends and the service settings given (HOCON). */
    static TestGateway gateway(String serviceSettings, BackendServer... backends) throws Exception {
        String instances = Arrays.stream(backends).map(backend -> "{ url = \"" + backend.url() + "\", id = " + backend.name() + " }")
                .collect(Collectors.joining(", "));
        return TestGateway.start("""
                services { svc { backend = test-upstream, instances = [ %s ]
                %s
                } }
                routes = [ { id = svc, path = "/svc/**", service = svc } ]
                """.formatted(instances, serviceSettings));
    }

    static HttpResponse<String> get(TestGateway gateway, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path));
        if (key != null) {
            request.header("X-Key", key);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The instance that answered ({@code X-Instance}), or the error status. */
    static String answeredBy(TestGateway gateway, String key) throws Exception {
        HttpResponse<String> response = get(gateway, "/svc/x", key);
        return response.headers().firstValue("X-Instance").orElse("status " + response.statusCode());
    }

    static List<String> answers(TestGateway gateway, int count) throws Exception {
        String[] result = new String[count];
        for (int i = 0; i < count; i++) {
            result[i] = answeredBy(gateway, null);
        }
        return List.of(result);
    }

    static String health(TestGateway gateway) throws Exception {
        return get(gateway, "/health", null).body();
    }
}
