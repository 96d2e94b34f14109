package dev.tollgate.plugin.authjwt;

import dev.tollgate.runtime.testing.TestGateway;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** Reads the plugin's counters from a running gateway's {@code /metrics}, whatever order its labels are in. */
final class GatewayMetrics {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private GatewayMetrics() {
    }

    /** The value of {@code tollgate_auth_jwt_<name>_total} with all of {@code labels}; 0 when absent. */
    static long counter(TestGateway gateway, String name, Map<String, String> labels) throws Exception {
        String text = CLIENT.send(HttpRequest.newBuilder(gateway.http("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        String prefix = "tollgate_auth_jwt_" + name + "_total{";
        long total = 0;
        for (String line : text.split("\n")) {
            if (!line.startsWith(prefix)) {
                continue;
            }
            String labelText = line.substring(prefix.length(), line.lastIndexOf('}'));
            boolean matches = labels.entrySet().stream().allMatch(label -> labelText.contains(label.getKey() + "=\"" + label.getValue() + "\""));
            if (matches) {
                total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** The {@code authentications} counter of filter instance {@code filter} for {@code reason}. */
    static long authentications(TestGateway gateway, String filter, String reason) throws Exception {
        return counter(gateway, "authentications", Map.of("filter", filter, "reason", reason));
    }
}
