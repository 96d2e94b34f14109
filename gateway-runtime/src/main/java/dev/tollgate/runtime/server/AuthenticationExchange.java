package dev.tollgate.runtime.server;

import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.http.HttpFields;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The copy of an exchange that {@link Exchange#authenticate} runs the route's authentication
 * filters on: the request as it arrived at the route, carrying the presented credentials, with
 * an empty body, no principal, no attributes and a response of its own.
 *
 * <p>Everything is captured when the copy is made, so the copy reads nothing of Jetty's request
 * afterwards and shares nothing mutable with the original exchange: whatever the filters change
 * (headers, path, principal, attributes, response) stays here and is dropped with the copy.
 * Like any exchange it is handled by one thread at a time.
 */
final class AuthenticationExchange extends ExchangeState {
    private final Route route;
    private final Connection connection;
    private final InetAddress clientAddress;
    private final ExchangeRequest request;
    private final ExchangeResponse response;

    /**
     * @param clientAddress the original exchange's client address
     * @param line the request line as it arrived, captured
     * @param routedPath the path routing saw
     * @param headers a copy of the request's fields as they arrived, screened (with the request id),
     *        owned by this exchange from now on
     * @param credentials fields that replace those of the same names; copied
     */
    AuthenticationExchange(String requestId, Route route, Connection connection, InetAddress clientAddress, ExchangeRequest.Line line,
                           String routedPath, HttpFields.Mutable headers, Headers credentials, long maxBufferedBodySize) {
        super(requestId);
        this.route = requireNonNull(route, "route is null");
        this.connection = CapturedConnection.of(requireNonNull(connection, "connection is null"));
        this.clientAddress = clientAddress;
        requireNonNull(headers, "headers is null");
        requireNonNull(credentials, "credentials is null").forEach((name, value) -> headers.remove(name));
        credentials.forEach(headers::add);
        this.request = new ExchangeRequest(line, routedPath, headers, ExchangeRequest.BodySource.NONE, () -> maxBufferedBodySize);
        this.response = new ExchangeResponse(JettyHeaders.of(HttpFields.build()), () -> maxBufferedBodySize);
    }

    /**
     * Runs {@code target}'s authentication filters on a copy of {@code owner}'s request as it
     * arrived ({@code arrivedHeaders}, {@code line}, {@code routedPath}, with the request id
     * header) carrying {@code credentials}: what {@link Exchange#authenticate} does for an exchange
     * and for the exchange of a WebSocket session. A failure is reported through the stage as a
     * {@link dev.tollgate.api.GatewayException}.
     */
    static CompletionStage<Optional<Principal>> authenticate(Exchange owner, RouteTarget target, String requestIdHeader,
                                                              HttpFields arrivedHeaders, ExchangeRequest.Line line,
                                                              String routedPath, Headers credentials) {
        requireNonNull(credentials, "credentials is null");
        AuthenticationExchange copy;
        try {
            HttpFields.Mutable headers = HttpFields.build(arrivedHeaders);
            headers.put(requestIdHeader, owner.requestId());
            copy = new AuthenticationExchange(owner.requestId(), owner.route(), owner.connection(), owner.clientAddress(),
                    line.capture(), routedPath, headers, credentials, target.maxBufferedBodySize());
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedStage(ErrorResponses.toGatewayException(owner, e));
        }
        CompletionStage<Optional<Principal>> authenticated;
        try {
            authenticated = target.chain().authenticate(copy);
        }
        catch (RuntimeException e) {
            authenticated = CompletableFuture.failedStage(e);
        }
        CompletableFuture<Optional<Principal>> result = new CompletableFuture<>();
        authenticated.whenComplete((principal, failure) -> {
            copy.end(failure);
            if (failure == null) {
                result.complete(principal);
            }
            else {
                result.completeExceptionally(ErrorResponses.toGatewayException(owner, failure));
            }
        });
        return result;
    }

    @Override
    public Exchange.Request request() {
        return request;
    }

    @Override
    public Exchange.Response response() {
        return response;
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public CompletionStage<Void> upgradeToWebSocket(WebSocketHandler handler, WebSocketSettings settings) {
        return CompletableFuture.failedStage(new IllegalStateException(
                "a filter tried to upgrade the copy of request " + requestId() + " that authenticates a credential"));
    }

    @Override
    public CompletionStage<Optional<Principal>> authenticate(Headers credentials) {
        return CompletableFuture.failedStage(new IllegalStateException(
                "a filter called authenticate while authenticating a credential for request " + requestId()));
    }
}
