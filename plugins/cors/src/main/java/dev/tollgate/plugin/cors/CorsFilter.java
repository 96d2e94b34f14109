package dev.tollgate.plugin.cors;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.metrics.Metrics;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * The CORS protocol of the Fetch standard for the requests one instance sees (every request, in
 * {@code gateway.global-filters}; a route's, in its filters): answers preflights itself and puts
 * the CORS headers on the responses to actual requests.
 *
 * <ul>
 *   <li>A <b>preflight</b> ({@code OPTIONS} with {@code Origin} and
 *       {@code Access-Control-Request-Method}) never reaches the backend. Allowed origin, method
 *       and headers: {@code 204} with {@code Access-Control-Allow-Origin}, {@code -Allow-Methods},
 *       {@code -Allow-Headers} (when headers were requested), {@code -Max-Age} and
 *       {@code -Allow-Credentials} (when configured). Anything else: the stage fails with
 *       {@code FORBIDDEN} (the gateway's JSON error, no CORS headers), so the browser refuses the
 *       actual request. An {@code OPTIONS} without {@code Access-Control-Request-Method} is not
 *       a preflight and goes on like any request.</li>
 *   <li>An <b>actual request</b> always goes on: the browser, not the gateway, withholds the
 *       response from a page of a disallowed origin. After it, the filter removes every
 *       {@code Access-Control-*} header the backend (or an instance further in) sent (the
 *       policy is this filter's alone) and, for an allowed origin, sets
 *       {@code Access-Control-Allow-Origin}, {@code -Allow-Credentials} and
 *       {@code -Expose-Headers} as configured.</li>
 *   <li>{@code Vary} gains {@code Origin} (and, on preflights, the two request headers) whenever
 *       the answer depends on them, that is unless any origin is allowed; tokens already there
 *       are kept, never replaced.</li>
 * </ul>
 *
 * <p>Headers are set after {@code proceed} completes, so they land on whatever response the rest
 * of the chain produced: since SPI 1.2 that includes the gateway's JSON error when something after
 * this filter failed (a backend's 502, a later filter's 429, and — gateway-wide — routing's 404,
 * 405 and 413), which {@code proceed}'s stage then completes normally with. WebSocket upgrade
 * requests pass untouched: browsers do not apply CORS to WebSockets, and an upgraded exchange's
 * response must not be changed.
 *
 * <p>Everything that does not depend on the request is computed at creation. Per request the
 * filter reads a few headers and compares strings in place; it allocates little (the completion
 * step, the response's header names when it scans them for {@code Access-Control-*}, a parse of
 * an origin not listed exactly as sent) and never blocks.
 */
final class CorsFilter implements Filter {
    private static final String ORIGIN = "Origin";
    private static final String VARY = "Vary";
    private static final String REQUEST_METHOD = "Access-Control-Request-Method";
    private static final String REQUEST_HEADERS = "Access-Control-Request-Headers";
    private static final String ALLOW_ORIGIN = "Access-Control-Allow-Origin";
    private static final String ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials";
    private static final String ALLOW_METHODS = "Access-Control-Allow-Methods";
    private static final String ALLOW_HEADERS = "Access-Control-Allow-Headers";
    private static final String EXPOSE_HEADERS = "Access-Control-Expose-Headers";
    private static final String MAX_AGE = "Access-Control-Max-Age";
    private static final String ACCESS_CONTROL_PREFIX = "Access-Control-";
    private static final String PREFLIGHT_VARY = ORIGIN + ", " + REQUEST_METHOD + ", " + REQUEST_HEADERS;
    /** The one header name {@code *} does not cover in {@code Access-Control-Allow-Headers} (Fetch, CORS non-wildcard request-header name). */
    private static final String AUTHORIZATION = "Authorization";

    private final OriginMatcher origins;
    private final boolean allowCredentials;
    private final boolean anyMethod;
    private final String[] allowedMethods;
    private final String allowMethodsValue;
    private final boolean anyHeader;
    private final String[] allowedHeaders;
    private final String allowHeadersValue;
    private final String exposeHeadersValue;
    private final String maxAgeValue;
    private final Metrics.Counter answered;
    private final Metrics.Counter refusedOrigin;
    private final Metrics.Counter refusedMethod;
    private final Metrics.Counter refusedHeaders;

    CorsFilter(CorsSettings settings, Metrics metrics) {
        requireNonNull(settings, "settings is null");
        requireNonNull(metrics, "metrics is null");
        this.origins = settings.allowedOrigins();
        this.allowCredentials = settings.allowCredentials();
        this.anyMethod = settings.allowedMethods().contains(CorsSettings.WILDCARD);
        this.allowedMethods = settings.allowedMethods().toArray(String[]::new);
        this.allowMethodsValue = String.join(", ", settings.allowedMethods());
        this.anyHeader = settings.allowedHeaders().contains(CorsSettings.WILDCARD);
        this.allowedHeaders = settings.allowedHeaders().stream().filter(name -> !name.equals(CorsSettings.WILDCARD)).toArray(String[]::new);
        this.allowHeadersValue = String.join(", ", allowedHeaders);
        this.exposeHeadersValue = settings.exposedHeaders().isEmpty() ? null : String.join(", ", settings.exposedHeaders());
        this.maxAgeValue = Long.toString(settings.maxAge().getSeconds());
        this.answered = metrics.counter("preflights", "outcome", "answered");
        this.refusedOrigin = metrics.counter("preflights", "outcome", "refused_origin");
        this.refusedMethod = metrics.counter("preflights", "outcome", "refused_method");
        this.refusedHeaders = metrics.counter("preflights", "outcome", "refused_headers");
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        Exchange.Request request = exchange.request();
        if (request.isWebSocketUpgrade()) {
            return chain.proceed(exchange);
        }
        String origin = request.headers().get(ORIGIN);
        if (origin != null && request.method().equals("OPTIONS")) {
            String requestedMethod = request.headers().get(REQUEST_METHOD);
            if (requestedMethod != null) {
                return preflight(exchange, origin, requestedMethod, request.headers().get(REQUEST_HEADERS));
            }
        }
        String allowOrigin = origin == null ? null : allowOriginValue(origin);
        return chain.proceed(exchange).thenRun(() -> onActualResponse(exchange.response().headers(), allowOrigin));
    }

    @Override
    public int order() {
        return Order.SECURITY;
    }

    /** The {@code Access-Control-Allow-Origin} value for {@code origin}, or {@code null} when it is not allowed. */
    private String allowOriginValue(String origin) {
        if (origins.allowsAnyOrigin()) {
            return CorsSettings.WILDCARD;
        }
        return origins.allows(origin) ? origin : null;
    }

    private CompletionStage<Void> preflight(Exchange exchange, String origin, String requestedMethod, String requestedHeaders) {
        String allowOrigin = allowOriginValue(origin);
        if (allowOrigin == null) {
            refusedOrigin.increment();
            return refuse("CORS preflight refused: the origin is not allowed");
        }
        if (!allowsMethod(requestedMethod)) {
            refusedMethod.increment();
            return refuse("CORS preflight refused: the method is not allowed");
        }
        boolean headersRequested = requestedHeaders != null && !requestedHeaders.isBlank();
        if (headersRequested && !allowsHeaders(requestedHeaders)) {
            refusedHeaders.increment();
            return refuse("CORS preflight refused: a requested header is not allowed");
        }
        Exchange.Response response = exchange.response();
        response.setStatus(204);
        Headers headers = response.headers();
        headers.set(ALLOW_ORIGIN, allowOrigin);
        if (allowCredentials) {
            headers.set(ALLOW_CREDENTIALS, "true");
        }
        headers.set(ALLOW_METHODS, anyMethod ? requestedMethod : allowMethodsValue);
        if (headersRequested) {
            // With "*" configured, naming the requested headers works with and without
            // credentials; a literal "*" would not (and never covers Authorization).
            headers.set(ALLOW_HEADERS, anyHeader ? requestedHeaders.strip() : allowHeadersValue);
        }
        headers.set(MAX_AGE, maxAgeValue);
        if (headers.contains(VARY)) {
            addVary(headers, ORIGIN);
            addVary(headers, REQUEST_METHOD);
            addVary(headers, REQUEST_HEADERS);
        }
        else {
            headers.set(VARY, PREFLIGHT_VARY);
        }
        answered.increment();
        return CompletableFuture.completedFuture(null);
    }

    private static CompletionStage<Void> refuse(String message) {
        return CompletableFuture.failedFuture(new GatewayException(ErrorCode.FORBIDDEN, message));
    }

    /** Methods are case-sensitive (RFC 9110 §9.1); browsers upper-case the standard ones, as configuration is. */
    private boolean allowsMethod(String method) {
        if (!CorsSettings.isToken(method, 0, method.length())) {
            return false;
        }
        if (anyMethod) {
            return true;
        }
        for (String allowed : allowedMethods) {
            if (allowed.equals(method)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether every name of the comma-separated {@code list} is allowed, compared without regard
     * to case; a name that is not a token is not. Empty list elements are skipped (RFC 9110 §5.6.1).
     */
    private boolean allowsHeaders(String list) {
        int length = list.length();
        int start = 0;
        while (start <= length) {
            int end = list.indexOf(',', start);
            if (end < 0) {
                end = length;
            }
            int from = start;
            int to = end;
            while (from < to && isWhitespace(list.charAt(from))) {
                from++;
            }
            while (to > from && isWhitespace(list.charAt(to - 1))) {
                to--;
            }
            if (from < to && !allowsHeader(list, from, to)) {
                return false;
            }
            start = end + 1;
        }
        return true;
    }

    private boolean allowsHeader(String list, int from, int to) {
        if (!CorsSettings.isToken(list, from, to)) {
            return false;
        }
        int length = to - from;
        for (String allowed : allowedHeaders) {
            if (allowed.length() == length && list.regionMatches(true, from, allowed, 0, length)) {
                return true;
            }
        }
        return anyHeader && !(length == AUTHORIZATION.length() && list.regionMatches(true, from, AUTHORIZATION, 0, length));
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    private void onActualResponse(Headers headers, String allowOrigin) {
        removeAccessControlHeaders(headers);
        if (allowOrigin != null) {
            headers.set(ALLOW_ORIGIN, allowOrigin);
            if (allowCredentials) {
                headers.set(ALLOW_CREDENTIALS, "true");
            }
            if (exposeHeadersValue != null) {
                headers.set(EXPOSE_HEADERS, exposeHeadersValue);
            }
        }
        if (!origins.allowsAnyOrigin()) {
            addVary(headers, ORIGIN);
        }
    }

    /** Removes what the backend said about CORS: it cannot widen (or confuse) the route's policy. */
    private static void removeAccessControlHeaders(Headers headers) {
        for (String name : headers.names()) {
            if (name.regionMatches(true, 0, ACCESS_CONTROL_PREFIX, 0, ACCESS_CONTROL_PREFIX.length())) {
                headers.remove(name);
            }
        }
    }

    /** Adds {@code token} to {@code Vary} unless it, or {@code *}, is already there. */
    private static void addVary(Headers headers, String token) {
        if (!headers.containsToken(VARY, token) && !headers.containsToken(VARY, "*")) {
            headers.add(VARY, token);
        }
    }

    /** Creates the filter for each named instance and each inline use of {@code cors}. */
    static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "cors";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            return new CorsFilter(CorsSettings.from(config), context.metrics());
        }
    }
}
