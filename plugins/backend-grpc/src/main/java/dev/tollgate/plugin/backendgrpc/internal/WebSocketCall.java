package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;
import io.grpc.Deadline;
import io.grpc.Status;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * A WebSocket upgrade to a method's path, made one gRPC call over the session ({@link DuplexStream}):
 * the way to client- and bidirectional-streaming methods, open to the others too. The method is
 * found as for HTTP/JSON, but by path alone (a binding with HTTP method GET first, else any, such as
 * the default {@code POST /package.Service/Method}); the call is opened on an instance before the
 * upgrade is answered, so an unknown method (404), an instance that cannot be reached (503) or a
 * call refused at once (its gRPC status) is an ordinary HTTP error, and the WebSocket is only
 * accepted for a call that is under way.
 */
final class WebSocketCall {
    private final GrpcBackend backend;
    private final RouteSettings route;
    private final Exchange exchange;

    WebSocketCall(GrpcBackend backend, RouteSettings route, Exchange exchange) {
        this.backend = requireNonNull(backend, "backend is null");
        this.route = requireNonNull(route, "route is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
    }

    CompletionStage<Void> start() {
        String path = route.pathToMatch(exchange.request().path());
        if (path == null) {
            return CompletableFuture.failedFuture(notFound(exchange.request().path()));
        }
        return backend.schema()
                .thenCompose(schema -> lookup(schema, path, true))
                .thenCompose(this::open);
    }

    private CompletionStage<Found> lookup(Schema schema, String path, boolean mayRefresh) {
        Schema.Match match = schema.matchAnyMethod(path);
        if (match != null) {
            return CompletableFuture.completedFuture(new Found(schema, match));
        }
        if (mayRefresh) {
            return backend.schemas().refreshAfterNotFound().thenCompose(refreshed -> refreshed == null
                    ? CompletableFuture.failedFuture(notFound(path))
                    : lookup(refreshed, path, false));
        }
        return CompletableFuture.failedFuture(notFound(path));
    }

    private GatewayException notFound(String path) {
        return new GatewayException(ErrorCode.NOT_FOUND, "no method of gRPC service '" + backend.name() + "' matches the WebSocket path "
                + path);
    }

    private CompletionStage<Void> open(Found found) {
        InstanceCalls calls = new InstanceCalls(backend, exchange);
        Deadline deadline = calls.deadline(route.streamDeadline());
        DuplexStream.Session session = new DuplexStream.Session(backend.codec(found.schema()), found.match().binding(),
                found.match().pathValues(), exchange.requestId(), backend.settings().webSocket(), backend.scheduler());
        return calls.duplex(found.match().method(), backend.metadata().requestMetadata(exchange), deadline, session)
                .thenCompose(stream -> {
                    Status early = stream.earlyStatus();
                    if (early != null && !early.isOk()) {
                        try {
                            GrpcErrors.respond(exchange, early, stream.earlyTrailers(), session.codec());
                        }
                        finally {
                            stream.attempt().close();
                        }
                        return CompletableFuture.completedFuture(null);
                    }
                    // An early OK (a call that ended at once without a message) is answered over the session too.
                    return exchange.upgradeToWebSocket(stream, session.webSocket()).whenComplete((ignored, failure) -> {
                        if (failure != null) {
                            stream.abandon();
                        }
                        if (failure != null || early != null) {
                            stream.attempt().close();
                        }
                    });
                });
    }

    private record Found(Schema schema, Schema.Match match) {
    }
}
