package dev.tollgate.api.http;

import dev.tollgate.api.Principal;
import dev.tollgate.api.io.EventLoop;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One HTTP request and its response as it passes through a route: the filter chain, then the
 * backend or endpoint.
 *
 * <h2>Threading</h2>
 * An exchange is handled by one thread at a time, but not always the same one: a filter may
 * complete its stage on another thread (a Redis reply, a timer), and the next step then runs
 * there. Nothing on the request path may block; see {@link Filter}.
 *
 * <h2>Life cycle</h2>
 * The runtime builds the exchange when a request arrives, runs the gateway-wide filters
 * ({@code gateway.global-filters}), matches a route, and runs the route's chain. When the stage
 * of the outermost step completes, the runtime writes the response: status and headers, then the
 * body publisher, then trailers. Listeners registered with {@link #onComplete} learn how it
 * ended.
 *
 * <h2>Errors are responses</h2>
 * A step that fails its stage — with a {@link dev.tollgate.api.GatewayException}, or any other
 * exception (answered as a 500 whose details are only logged) — does not end the exchange: the
 * runtime turns the failure into the gateway's JSON error response on {@link #response()}
 * ({@link Response#error()} tells it is one) and completes the stage of the step before it
 * normally, so the error travels back through every filter that ran, like any response. So a
 * filter that adds headers after {@code proceed} (CORS, rate-limit headers, security headers) adds
 * them to errors too, whether the backend failed, a later filter refused, or no route matched.
 * (Since 1.2; before, a failure skipped the filters' completion steps.)
 */
public interface Exchange {

    /** The request id: the client's {@code X-Request-Id} if acceptable, else one generated. */
    String requestId();

    Request request();

    Response response();

    /**
     * The route that matched. While the gateway-wide filters run before routing, and for a
     * request that matches no route, it is a route with an empty id and template, no path
     * parameters and an empty target.
     */
    Route route();

    /** A path parameter of the route's template, e.g. {@code id} of {@code /users/{id}}; null if absent. */
    default String pathParameter(String name) {
        return route().pathParameters().get(name);
    }

    /** The client connection. */
    Connection connection();

    /**
     * The client's address as the gateway trusts it: the one to key rate limits, IP rules,
     * consistent hashing and logs on. It is the peer of the connection
     * ({@link Connection#remoteAddress()}) unless that peer is a trusted proxy
     * ({@code gateway.server.trusted-proxies}, none by default). Behind trusted proxies it is the
     * rightmost address of the forwarded chain — the request's
     * {@code gateway.server.client-address-header} fields ({@code X-Forwarded-For} by default, or
     * RFC 7239 {@code Forwarded}), read right to left — that is not itself a trusted proxy: each
     * trusted proxy vouches for the address to its left, and the first untrusted one is the client
     * (Envoy's {@code xff_num_trusted_hops}, nginx's {@code real_ip_recursive}). Where the chain
     * stops before that — no such field, an {@code unknown} or obfuscated node, a malformed entry —
     * it is the last trusted proxy that reported; when every address is trusted, the leftmost.
     *
     * <p>The chain is read once per exchange, when first asked for, from the fields as the client
     * sent them: filters that change the forwarding headers do not change it. {@code null} only
     * when the peer's address is unknown. The default, for exchanges the runtime does not build, is
     * the peer's address.
     *
     * @since 1.2
     */
    default InetAddress clientAddress() {
        InetSocketAddress peer = connection().remoteAddress();
        return peer == null ? null : peer.getAddress();
    }

    /** Who the exchange is on behalf of, once an authentication filter has said so. */
    Optional<Principal> principal();

    /** Records who the exchange is on behalf of; called by authentication filters. */
    void setPrincipal(Principal principal);

    /** The value left under {@code key}, or {@code null}. */
    <T> T attribute(Attribute<T> key);

    /** Leaves a value for later steps; {@code null} removes it. */
    <T> void setAttribute(Attribute<T> key, T value);

    /**
     * Calls {@code listener} once when the exchange ends: with {@code null} after the last byte
     * of the response was written, or with the failure when the client went away, a timeout
     * expired or the response could not be completed. A backend uses it to abort its upstream
     * request when the client is gone. Called at once if the exchange has already ended.
     * Listeners must not block.
     */
    void onComplete(Consumer<Throwable> listener);

    /**
     * Accepts a WebSocket upgrade request ({@link Request#isWebSocketUpgrade()}): the runtime
     * answers the handshake (HTTP/1.1 {@code 101} or the HTTP/2 extended CONNECT of RFC 8441)
     * and then drives {@code handler}. The returned stage completes when the handshake has been
     * answered; return it (or a stage depending on it) from the endpoint. The response of this
     * exchange must not be touched afterwards.
     *
     * @throws dev.tollgate.api.GatewayException {@code BAD_REQUEST} (through the stage) when the
     *         request is not a valid upgrade; {@code UNAVAILABLE} when the gateway is at its
     *         connection limit
     */
    CompletionStage<Void> upgradeToWebSocket(WebSocketHandler handler, WebSocketSettings settings);

    /**
     * Authenticates a credential presented after the request, such as the token of a WebSocket
     * client's first message (browsers cannot set headers on a WebSocket): runs this route's
     * filters of order below {@link Filter.Order#AUTHORIZATION} (security screening and
     * authentication) again, on a copy of this exchange whose request carries
     * {@code credentials} as headers, e.g. {@code Authorization: Bearer …}.
     *
     * <p>The copy's request is this request as it arrived at the route, before any filter changed it
     * (method, path, query, client headers, connection, route and path parameters, request id),
     * with each field of {@code credentials} replacing the fields of that name, and an empty
     * body. It starts with no principal, no attributes and an empty response of its own: it
     * shares nothing mutable with this exchange, and nothing of this exchange changes, whatever
     * the filters do. An endpoint must put only fields it builds itself into {@code credentials}
     * (an {@code Authorization} header from a token), never header names a client chose.
     *
     * <p>The filters run in chain order with their plugins' class loaders, under the chain's
     * contract; after the last of them a final step just completes. The stage completes with
     * the principal the filters set (as seen by that final step), or empty when they set none
     * (an optional authentication found no credential it knows). It fails with
     * <ul>
     *   <li>the {@link dev.tollgate.api.GatewayException} of a filter that refused (401, 403,
     *       429…), with its headers;</li>
     *   <li>{@code UNAUTHORIZED} when a filter answered instead of passing the copy on (set a
     *       response and completed without proceeding);</li>
     *   <li>{@code INTERNAL_ERROR} when a filter failed otherwise or broke the chain contract
     *       (the runtime logs the cause with the request id).</li>
     * </ul>
     *
     * <p>Non-blocking: call it from any thread, including a WebSocket session's; the stage may
     * complete on another thread (a filter waiting for a key set, a Redis reply). Each call runs
     * the filters anew; callers that authenticate a whole session (the hub) call it once and keep
     * the principal for the session. The gateway runtime implements it for every exchange it
     * builds; the default, for other implementations, fails with
     * {@link UnsupportedOperationException}.
     *
     * @param credentials header fields carrying the credential; copied, not kept
     * @return the principal the route's authentication established from {@code credentials}
     * @since 1.1
     */
    default CompletionStage<Optional<Principal>> authenticate(Headers credentials) {
        return CompletableFuture.failedStage(new UnsupportedOperationException("authenticate"));
    }

    /** The request as the client sent it, after the runtime's checks and any filter changes. */
    interface Request {

        /** The method, upper case, e.g. {@code GET}. */
        String method();

        /** {@code http} or {@code https}: how the client reached the gateway. */
        String scheme();

        /** {@code host[:port]} as the client addressed it ({@code Host} or {@code :authority}). */
        String authority();

        /** The host part of {@link #authority()}, without port. */
        String host();

        /**
         * The canonical path, percent-encoded: dot segments resolved, ambiguous encodings refused
         * by the runtime. Routing and authorisation saw this path; backends forward it.
         */
        String path();

        /** Replaces the path forwarded to the backend (a rewrite); must be absolute and encoded. */
        void setPath(String path);

        /** The path with percent-encodings decoded. */
        String decodedPath();

        /** The raw query string without {@code ?}, or {@code null} when there is none. */
        String query();

        /** Replaces the query string ({@code null} removes it); must be encoded. */
        void setQuery(String query);

        /** The first value of a query parameter, decoded; {@code null} when absent. */
        String queryParameter(String name);

        /** {@code HTTP/1.1} or {@code HTTP/2.0}. */
        String protocol();

        /**
         * The header fields: the client's as the runtime screened them before any filter ran, then
         * as filters changed them. Since 1.2 screening removes, from every request,
         * <ul>
         *   <li>the identity headers ({@code gateway.server.identity-headers}, by default
         *       {@code X-User-Id} and {@code X-User-Roles}): only the gateway's own filters may tell
         *       a backend who a request is on behalf of;</li>
         *   <li>the fields any {@code Connection} field names (RFC 9110 §7.6.1), but for those the
         *       gateway reads itself ({@code Host}, {@code Content-Length}, the request id) and the
         *       hop-by-hop fields a backend handles by its protocol's rules ({@code TE},
         *       {@code Upgrade}…), so a header a filter adds is never removed on a client's word;</li>
         *   <li>unless the peer is a trusted proxy ({@code gateway.server.trusted-proxies}), the
         *       forwarding headers: {@code Forwarded}, every {@code X-Forwarded-*},
         *       {@code X-Real-IP} and the configured {@code client-address-header}.</li>
         * </ul>
         * So a forwarding header present here came from a trusted proxy (or a filter), and a
         * backend extends it with its own hop rather than trusting or replacing it blindly.
         */
        Headers headers();

        /** The body length from {@code Content-Length}, or {@code -1} when unknown (chunked, HTTP/2). */
        long contentLength();

        /**
         * The body as a stream of buffers, read from the client as the subscriber asks for more.
         * It may be subscribed once. The publisher may recycle a delivered buffer as soon as the
         * subscriber has demand outstanding again: a subscriber that requests one buffer at a
         * time owns each one until its next {@code request}; one that keeps the buffer longer
         * must copy it. {@code onComplete} follows the last buffer; {@code onError} carries a
         * {@link dev.tollgate.api.GatewayException} (413, 408) or the connection failure.
         */
        Flow.Publisher<ByteBuffer> body();

        /** Replaces the body a later step reads, e.g. after a transform; {@code -1} for unknown length. */
        void setBody(Flow.Publisher<ByteBuffer> body, long contentLength);

        /**
         * Reads the whole body into one buffer, up to the route's {@code max-buffered-body};
         * beyond it the stage fails with {@code PAYLOAD_TOO_LARGE}. Afterwards {@link #body()}
         * publishes that buffer again, so the next steps still see the body. The buffer is
         * read-only.
         */
        CompletionStage<ByteBuffer> bufferBody();

        /** Request trailers (HTTP/2, chunked); empty until the body has completed. */
        Headers trailers();

        /** Whether this is a WebSocket upgrade request (HTTP/1.1 Upgrade or HTTP/2 extended CONNECT). */
        boolean isWebSocketUpgrade();
    }

    /**
     * The response the backend or endpoint produces. Nothing is sent before the chain's stage
     * completes, so every filter may change status and headers after {@code proceed}.
     */
    interface Response {

        /** The status; 200 until set. */
        int status();

        void setStatus(int status);

        Headers headers();

        /** The body publisher; an empty one until set. */
        Flow.Publisher<ByteBuffer> body();

        /**
         * The body, streamed to the client after the chain completes. The runtime requests one
         * buffer at a time and asks for the next once the previous one has been written, so a
         * publisher may reuse a buffer once it sees new demand. Cancelling the subscription
         * means the client is gone. Its length is unknown: any {@code Content-Length} header is
         * dropped when the response is written (HTTP/1.1 then frames it chunked).
         */
        void setBody(Flow.Publisher<ByteBuffer> body);

        /**
         * A streamed body of known length, sent as {@code Content-Length} (replacing any such
         * header); {@code -1} for unknown. The publisher must publish exactly that many bytes.
         *
         * @since 1.2
         */
        default void setBody(Flow.Publisher<ByteBuffer> body, long contentLength) {
            throw new UnsupportedOperationException("setBody with a length");
        }

        /** A body held in memory; sets {@code Content-Length}. */
        void setBody(ByteBuffer content);

        /**
         * The length of the body as last set: the in-memory body's size, the length given with a
         * streamed body, or {@code -1} when unknown. {@code 0} for a response whose body was never
         * set.
         *
         * @since 1.2
         */
        default long contentLength() {
            throw new UnsupportedOperationException("contentLength");
        }

        /**
         * Reads the whole body into one buffer, up to the route's {@code max-buffered-body-size};
         * beyond it the stage fails with {@code BAD_GATEWAY} (the backend's response is too large
         * to transform) and the body is abandoned. Afterwards {@link #body()} publishes that
         * buffer again and {@link #contentLength()} is its size, so the response goes out as if
         * nothing happened unless the filter sets another body. The buffer is read-only.
         *
         * <p>Call it from a filter after {@code proceed}'s stage completed, and return a stage
         * that depends on it: {@code chain.proceed(exchange).thenCompose(ignored ->
         * exchange.response().bufferBody()).thenAccept(body -> …)}.
         *
         * @since 1.2
         */
        default CompletionStage<ByteBuffer> bufferBody() {
            return CompletableFuture.failedStage(new UnsupportedOperationException("bufferBody"));
        }

        /**
         * The error this response answers, when the runtime turned a failure into it (see
         * "Errors are responses" on {@link Exchange}); empty for a response a backend or
         * endpoint produced, including its own error statuses.
         *
         * @since 1.2
         */
        default Optional<dev.tollgate.api.GatewayException> error() {
            return Optional.empty();
        }

        /** A text body with its content type; sets {@code Content-Length}. */
        default void setBody(String text, String contentType) {
            headers().set("Content-Type", contentType);
            setBody(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }

        /**
         * Trailers to send after the body (HTTP/2, or chunked HTTP/1.1 when the client accepts
         * them); the supplier is called once the body has completed.
         */
        void setTrailers(Supplier<Headers> trailers);

        /** The trailers supplier, or {@code null}. */
        Supplier<Headers> trailers();
    }

    /** The route that matched, with the values its path template captured. */
    interface Route {

        /** The route's id: its {@code id} setting, or its position in {@code gateway.routes}. */
        String id();

        /** The path template as configured, e.g. {@code /api/projects/{id}/**}. */
        String pathTemplate();

        /** Values captured by {@code {name}} segments; {@code **} captures the rest under {@code "**"}. */
        Map<String, String> pathParameters();

        /** The name of the service or endpoint the route leads to. */
        String target();
    }

    /** The client connection the exchange arrived on. */
    interface Connection {

        /**
         * The peer of the TCP connection: the client, or the proxy in front of the gateway. Never
         * read from a header; {@link Exchange#clientAddress()} is the client's address as the
         * gateway trusts it.
         */
        InetSocketAddress remoteAddress();

        /** The gateway's address the client connected to. */
        InetSocketAddress localAddress();

        /** Whether the connection is TLS. */
        boolean isSecure();

        /** The negotiated TLS protocol, e.g. {@code TLSv1.3}, or {@code null} for clear text. */
        String tlsProtocol();

        /**
         * The event loop that reads this connection: a backend that registers its own upstream
         * connection here handles the response on the thread that read the request. {@code null}
         * when the connection is not on one of the gateway's loops (the default, for exchanges
         * the runtime does not build).
         *
         * @since 1.3
         */
        default EventLoop eventLoop() {
            return null;
        }
    }
}
