package dev.tollgate.api.http;

import java.util.concurrent.CompletionStage;

/**
 * One step of a route's filter chain: authentication, rate limiting, a header transform.
 *
 * <p>A filter either answers the exchange itself (completes its stage, having set a response,
 * or fails it with a {@link dev.tollgate.api.GatewayException}), or passes it on with
 * {@link Chain#proceed} and returns that stage, possibly transformed:
 * <pre>{@code
 * public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
 *     if (!allowed(exchange)) {
 *         return CompletableFuture.failedStage(new GatewayException(ErrorCode.FORBIDDEN, "not allowed"));
 *     }
 *     return chain.proceed(exchange).thenRun(() -> exchange.response().headers().set("X-Checked", "1"));
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@code filter} must not block: it runs on an I/O thread. Waiting for something (a
 *       Redis reply, a key set) means returning a stage that completes later.</li>
 *   <li>It calls {@code proceed} at most once, and returns a non-null stage. The runtime checks
 *       both and reports a violation naming the filter.</li>
 *   <li>After {@code proceed}'s stage completes, the response's status and headers may still be
 *       changed; nothing has been sent yet.</li>
 *   <li>{@code proceed}'s stage completes normally also when a later step failed: the failure
 *       has become the gateway's JSON error response by then ({@link Exchange.Response#error()}
 *       tells), so code after {@code proceed} runs for every response — add response headers
 *       there, not before {@code proceed}. (Since 1.2.)</li>
 *   <li>An exception thrown from {@code filter} is treated as a failed stage, and a failed stage
 *       becomes an error response on its way back to the filters before this one.</li>
 * </ul>
 *
 * <p>One filter instance serves every exchange of the routes that use it, concurrently; keep
 * per-exchange state in {@link Exchange#setAttribute attributes}. A named instance
 * ({@code gateway.filters.<name> { type = …, … }}) is one filter shared by every route naming it;
 * a gateway-wide one ({@code gateway.global-filters}) sees every request before routing,
 * including those that match no route.
 */
@FunctionalInterface
public interface Filter extends AutoCloseable {

    /** Handles the exchange or passes it on through {@code chain}. */
    CompletionStage<Void> filter(Exchange exchange, Chain chain);

    /**
     * Where this filter runs in the chain: lower first. Filters of equal order keep the order
     * in which the route lists them. Use the {@link Order} constants, offset if needed.
     */
    default int order() {
        return Order.TRANSFORM;
    }

    /** Releases what the filter holds; called when the routes using it are discarded. */
    @Override
    default void close() {
    }

    /** The rest of the chain after a filter. */
    @FunctionalInterface
    interface Chain {
        /** Runs the next filter, or the backend or endpoint after the last filter. */
        CompletionStage<Void> proceed(Exchange exchange);
    }

    /** Order constants for {@link #order()}; room is left between them. */
    final class Order {
        /** Request screening that must run before anything else (IP filters, CORS preflight). */
        public static final int SECURITY = 100;
        /** Establishing the principal (JWT, API keys). */
        public static final int AUTHENTICATION = 200;
        /** Deciding whether the principal may do this. */
        public static final int AUTHORIZATION = 300;
        /** Rate limits, which may key on the principal. */
        public static final int RATE_LIMIT = 400;
        /** Request and response changes (headers, rewrites, compression). */
        public static final int TRANSFORM = 500;

        private Order() {
        }
    }
}
