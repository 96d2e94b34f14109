package dev.tollgate.runtime.system;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.health.HealthRegistry;
import dev.tollgate.runtime.metrics.GatewayMetrics;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * {@code /health} (every component, 503 when not ready), {@code /health/live} (the process
 * answers), {@code /health/ready} (send traffic here?) and {@code /metrics} (Prometheus text).
 * GET and HEAD only. Answered on the main listeners, ahead of routes.
 */
public final class SystemEndpoints extends Handler.Abstract {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    private final HealthRegistry health;
    private final GatewayMetrics metrics;
    private final String healthPath;
    private final String metricsPath;

    public SystemEndpoints(HealthRegistry health, GatewayMetrics metrics, String healthPath, String metricsPath) {
        super(InvocationType.NON_BLOCKING);
        this.health = requireNonNull(health, "health is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.healthPath = requireNonNull(healthPath, "healthPath is null");
        this.metricsPath = requireNonNull(metricsPath, "metricsPath is null");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        String path = request.getHttpURI().getCanonicalPath();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, method + " is not allowed on " + path);
            return true;
        }
        boolean head = method.equals("HEAD");
        if (path.equals(metricsPath)) {
            byte[] body = metrics.scrape();
            send(response, callback, HttpStatus.OK_200, metrics.contentType(), body, head);
        }
        else if (path.equals(healthPath)) {
            HealthRegistry.Report report = health.report();
            send(response, callback, report.ready() ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503,
                    "application/json", reportJson(report), head);
        }
        else if (path.equals(healthPath + "/live")) {
            send(response, callback, HttpStatus.OK_200, "application/json", "{\"status\":\"UP\"}".getBytes(), head);
        }
        else if (path.equals(healthPath + "/ready")) {
            HealthRegistry.Report report = health.report();
            String status = report.ready() ? "UP" : "DOWN";
            send(response, callback, report.ready() ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503,
                    "application/json", ("{\"status\":\"" + status + "\"}").getBytes(), head);
        }
        else {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404, "no system endpoint " + path);
        }
        return true;
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body, boolean head) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
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
