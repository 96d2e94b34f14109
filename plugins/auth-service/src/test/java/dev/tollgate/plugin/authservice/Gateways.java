package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.testing.TestGateway;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starting gateways with the plugin, plain HTTP/1.1 requests to them, and their metrics. */
final class Gateways {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private Gateways() {
    }

    /** A gateway with this plugin, the runtime's test plugin (test-echo) and {@link PrincipalHeadersPlugin}. */
    static TestGateway start(String config) throws Exception {
        return TestGateway.builder()
                .plugin("auth-service", new AuthServicePlugin())
                .plugin("principal-headers", new PrincipalHeadersPlugin())
                .config(config)
                .start();
    }

    /** {@code GET path} with the given header name/value pairs. */
    static HttpResponse<String> get(TestGateway gateway, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path)).timeout(Duration.ofSeconds(20)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET path} with {@code Authorization: Bearer token}. */
    static HttpResponse<String> withToken(TestGateway gateway, String path, String token) throws Exception {
        return get(gateway, path, "Authorization", "Bearer " + token);
    }

    /** The gateway's /metrics in Prometheus' text format. */
    static String metrics(TestGateway gateway) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(gateway.management("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of one sample of the gateway's /metrics, 0 when absent. */
    static double metric(TestGateway gateway, String sample) throws Exception {
        String text = metrics(gateway);
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    /** The sample name of a counter of the plugin, e.g. {@code validations} with {@code outcome="valid",service="auth"}. */
    static String counter(String name, String labels) {
        return "tollgate_auth_service_" + name + "_total{" + labels + "}";
    }
}
