package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.plugin.backendgrpc.internal.openapi.OpenApiDocument;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;

import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The grpc backend's handler for one route: each exchange becomes a {@link WebSocketCall} when it
 * is a WebSocket upgrade, a {@link GrpcWebCall} when its Content-Type is gRPC-Web's, else a
 * {@link GrpcCall} (HTTP/JSON transcoding), with the route's
 * options — but for {@code GET} of the route's {@code openapi-path}, which answers the service's
 * OpenAPI document. Shared by every exchange of the route.
 */
final class RouteHandler implements ExchangeHandler {
    private final GrpcBackend backend;
    private final RouteSettings settings;
    /** The document of the last schema asked: generated again only when reflection brought another schema. */
    private volatile Document document = new Document(null, null);

    RouteHandler(GrpcBackend backend, RouteSettings settings) {
        this.backend = requireNonNull(backend, "backend is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    /**
     * Transcodes the exchange, or answers the OpenAPI document. The stage completes once the
     * answer's status, headers and body publisher are on the response, or fails with the gateway
     * error to answer (404 no method, 400 unreadable request, 502/503/504 no answer); a gRPC-Web
     * call never fails, its errors are answered as gRPC-Web trailers.
     */
    @Override
    public CompletionStage<Void> handle(Exchange exchange) {
        if (exchange.request().method().equals("GET") && settings.isOpenApiPath(exchange.request().path())) {
            return openApi(exchange);
        }
        if (exchange.request().isWebSocketUpgrade()) {
            return new WebSocketCall(backend, settings, exchange).start();
        }
        GrpcWebCodec grpcWeb = GrpcWebCodec.forContentType(exchange.request().headers().get("Content-Type"));
        return grpcWeb != null ? new GrpcWebCall(backend, settings, exchange, grpcWeb).start()
                : new GrpcCall(backend, settings, exchange).start();
    }

    private CompletionStage<Void> openApi(Exchange exchange) {
        return backend.schema().thenAccept(schema -> {
            exchange.response().setStatus(200);
            exchange.response().setBody(document(schema), "application/json");
        });
    }

    private String document(Schema schema) {
        Document known = document;
        if (known.schema() == schema) {
            return known.json();
        }
        String json = OpenApiDocument.generate(schema, backend.name(), settings.stripPrefix(), backend.settings().json());
        document = new Document(schema, json);
        return json;
    }

    @Override
    public String toString() {
        return "RouteHandler[" + backend + ", " + settings + "]";
    }

    private record Document(Schema schema, String json) {
    }
}
