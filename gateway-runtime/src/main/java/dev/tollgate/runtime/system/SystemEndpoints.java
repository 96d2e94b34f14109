package dev.tollgate.runtime.system;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * {@code /health} (the status, 503 when not ready; with every component and its details on the
 * management listener), {@code /health/live} (the process answers), {@code /health/ready} (send
 * traffic here?) and {@code /metrics} (Prometheus text, on the management listener). GET and HEAD
 * only. On the public listeners they are answered ahead of routes, and may run behind the
 * gateway-wide filters ({@code gateway.system.global-filters}); what they show there is
 * {@code gateway.system.public}'s choice.
 */
public final class SystemEndpoints implements ExchangeHandler {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final HealthRegistry health;
    private final GatewayMetrics metrics;
    private final String healthPath;
    private final String metricsPath;
    private final boolean details;
    private final boolean serveMetrics;

    /**
     * @param details whether {@code /health} shows every component with its details (the
     *        management listener), or the status and readiness only (the public listeners)
     * @param serveMetrics whether {@code /metrics} is served here, or answered 404
     */
    public SystemEndpoints(HealthRegistry health, GatewayMetrics metrics, String healthPath, String metricsPath,
                           boolean details, boolean serveMetrics) {
        this.health = requireNonNull(health, "health is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.healthPath = requireNonNull(healthPath, "healthPath is null");
        this.metricsPath = requireNonNull(metricsPath, "metricsPath is null");
        this.details = details;
        this.serveMetrics = serveMetrics;
    }

    /** Whether {@code path} (canonical) is one of the system endpoints. */
    public boolean matches(String path) {
        return path.equals(metricsPath) || path.equals(healthPath) || path.startsWith(healthPath)
                && path.length() > healthPath.length() && path.charAt(healthPath.length()) == '/';
    }

    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        String method = exchange.request().method();
        String path = exchange.request().path();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.METHOD_NOT_ALLOWED,
                    method + " is not allowed on " + path).withHeader("Allow", "GET, HEAD"));
        }
        Exchange.Response response = exchange.response();
        if (path.equals(metricsPath)) {
            if (!serveMetrics) {
                return CompletableFuture.failedFuture(new GatewayException(ErrorCode.NOT_FOUND,
                        "metrics are served on the management listener"));
            }
            send(response, 200, metrics.contentType(), metrics.scrape());
        }
        else if (path.equals(healthPath)) {
            HealthRegistry.Report report = health.report();
            byte[] body = details ? reportJson(report)
                    : ("{\"status\":\"" + report.status().name() + "\",\"ready\":" + report.ready() + "}").getBytes(StandardCharsets.UTF_8);
            send(response, report.ready() ? 200 : 503, "application/json", body);
        }
        else if (path.equals(healthPath + "/live")) {
            send(response, 200, "application/json", "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8));
        }
        else if (path.equals(healthPath + "/ready")) {
            HealthRegistry.Report report = health.report();
            send(response, report.ready() ? 200 : 503, "application/json",
                    ("{\"status\":\"" + (report.ready() ? "UP" : "DOWN") + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        else {
            return CompletableFuture.failedFuture(new GatewayException(ErrorCode.NOT_FOUND, "no system endpoint " + path));
        }
        return DONE;
    }

    private static void send(Exchange.Response response, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.headers().set("Content-Type", contentType);
        response.headers().set("Cache-Control", "no-store");
        response.setBody(ByteBuffer.wrap(body));
    }

    private static byte[] reportJson(HealthRegistry.Report report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("status", report.status().name());
            json.writeBooleanField("ready", report.ready());
            if (report.stopping()) {
                json.writeBooleanField("stopping", true);
            }
            json.writeObjectFieldStart("components");
            for (Map.Entry<String, Health> component : report.components().entrySet()) {
                json.writeObjectFieldStart(component.getKey());
                json.writeStringField("status", component.getValue().status().name());
                if (!component.getValue().details().isEmpty()) {
                    json.writeFieldName("details");
                    MAPPER.writeValue(json, component.getValue().details());
                }
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
