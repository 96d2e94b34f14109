package dev.tollgate.plugin.example;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.Exchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers with a JSON description of the request it received: method, path, route, path
 * parameters, principal, headers and body. Useful to see what a route's filters did to a
 * request, and to give the default configuration something to serve.
 */
final class EchoEndpoint implements Endpoint {
    private static final JsonFactory JSON = new JsonFactory();

    private final boolean includeHeaders;
    private final long maxBodySize;

    EchoEndpoint(boolean includeHeaders, long maxBodySize) {
        this.includeHeaders = includeHeaders;
        this.maxBodySize = maxBodySize;
    }

    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        long length = exchange.request().contentLength();
        if (length == 0 || exchange.request().method().equals("GET") || exchange.request().method().equals("HEAD")) {
            answer(exchange, ByteBuffer.allocate(0));
            return CompletableFuture.completedFuture(null);
        }
        if (length > maxBodySize) {
            return CompletableFuture.failedFuture(
                    new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE, "echo accepts bodies up to " + maxBodySize + " bytes"));
        }
        return exchange.request().bufferBody().thenAccept(body -> answer(exchange, body));
    }

    private void answer(Exchange exchange, ByteBuffer body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("method", exchange.request().method());
            json.writeStringField("path", exchange.request().path());
            json.writeStringField("query", exchange.request().query());
            json.writeStringField("protocol", exchange.request().protocol());
            json.writeStringField("route", exchange.route().id());
            json.writeStringField("requestId", exchange.requestId());
            json.writeStringField("principal", exchange.principal().map(principal -> principal.name()).orElse(null));
            json.writeObjectFieldStart("pathParameters");
            for (Map.Entry<String, String> parameter : new TreeMap<>(exchange.route().pathParameters()).entrySet()) {
                json.writeStringField(parameter.getKey(), parameter.getValue());
            }
            json.writeEndObject();
            if (includeHeaders) {
                json.writeObjectFieldStart("headers");
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.request().headers().forEach((name, value) -> headers.merge(name, value, (a, b) -> a + ", " + b));
                for (Map.Entry<String, String> header : headers.entrySet()) {
                    json.writeStringField(header.getKey(), header.getValue());
                }
                json.writeEndObject();
            }
            json.writeStringField("body", StandardCharsets.UTF_8.decode(body).toString());
            json.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        exchange.response().setStatus(200);
        exchange.response().headers().set("Content-Type", "application/json");
        exchange.response().setBody(ByteBuffer.wrap(out.toByteArray()));
    }

    static final class Factory implements EndpointFactory {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public Endpoint create(PluginConfig config, PluginContext context) {
            long maxBodySize = config.getBytes("max-body-size");
            if (maxBodySize <= 0) {
                throw config.error("max-body-size", "must be positive");
            }
            return new EchoEndpoint(config.getBoolean("include-headers"), maxBodySize);
        }
    }
}
