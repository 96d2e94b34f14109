package dev.tollgate.runtime.testing;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Attribute;
import dev.tollgate.api.http.Endpoint;
import dev.tollgate.api.http.BackendFactory;
import dev.tollgate.api.upstream.DiscoveryFactory;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketMessage;
import dev.tollgate.api.websocket.WebSocketSession;
import dev.tollgate.api.websocket.WebSocketSettings;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plugin for the runtime's own tests and for plugin modules' tests: a {@code test-echo}
 * endpoint that describes the request it received, {@code test-stream} that streams the request
 * body back, {@code test-gate} that answers only when a test opens its latch,
 * {@code test-authenticate} that authenticates a credential with {@link Exchange#authenticate},
 * and filters that tag requests and responses, leave a trail, authenticate from a header or a
 * bearer token, answer instead of passing on, or break the chain contract on purpose.
 * Names start with {@code test-} so they never collide with a real plugin's.
 */
public final class TestPlugin implements Plugin {
    /** Request headers {@code X-Credential-<name>} are the credentials {@code test-authenticate} presents as {@code <name>}. */
    public static final String CREDENTIAL_PREFIX = "X-Credential-";
    /** The values of the {@code test-trail} filters that ran on an exchange, comma-separated. */
    public static final Attribute<String> TRAIL = Attribute.of("test-trail", String.class);

    /** The request header under whose value {@code test-ws-echo} records its session ({@link #webSocketSession}). */
    public static final String WEB_SOCKET_KEY = "X-Test-Session";

    private static final Map<String, Gate> GATES = new ConcurrentHashMap<>();
    private static final Map<String, WebSocketSession> WEB_SOCKETS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> TRAIL_RUNS = new ConcurrentHashMap<>();

    /** The session {@code test-ws-echo} opened for an upgrade with {@link #WEB_SOCKET_KEY}{@code : key}, or null. */
    public static WebSocketSession webSocketSession(String key) {
        return WEB_SOCKETS.get(key);
    }

    /** How many times a {@code test-trail} filter with this value has run, over every exchange. */
    public static int trailRuns(String value) {
        AtomicInteger runs = TRAIL_RUNS.get(value);
        return runs == null ? 0 : runs.get();
    }

    /** The gate of that name, shared by every {@code test-gate} endpoint configured with it. */
    public static Gate gate(String name) {
        return GATES.computeIfAbsent(name, key -> new Gate());
    }

    /**
     * Requests to a {@code test-gate} endpoint wait (without holding a thread) until the test
     * opens the gate, then answer 200 "opened"; after 30 s they fail with 504.
     */
    public static final class Gate {
        private final CompletableFuture<Void> opened = new CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();

        /** Requests that reached the gate so far. */
        public int arrived() {
            return arrived.get();
        }

        public void open() {
            opened.complete(null);
        }
    }

    /** An event bridge that fails to start, for the runtime's fallback. */
    @Override
    public Iterable<dev.tollgate.api.event.EventBridgeFactory> eventBridgeFactories() {
        return List.of(new dev.tollgate.api.event.EventBridgeFactory() {
            @Override
            public String name() {
                return "test-broken-bridge";
            }

            @Override
            public dev.tollgate.api.event.EventBridge create(PluginConfig config, PluginContext context) {
                throw new IllegalStateException("the test bridge cannot start");
            }
        });
    }

    @Override
    public Iterable<DiscoveryFactory> discoveryFactories() {
        return List.of(new TestDiscovery());
    }

    @Override
    public Iterable<BackendFactory> backendFactories() {
        return List.of(new TestUpstreamBackend());
    }

    /** How many {@code test-counted} filters with this value were created so far. */
    public static int countedCreated(String value) {
        return Spi12Filters.created(value);
    }

    /** How many {@code test-counted} filters with this value were closed so far. */
    public static int countedClosed(String value) {
        return Spi12Filters.closed(value);
    }

    /** Requests seen by {@code test-counted} filters with this value. */
    public static int countedRequests(String value) {
        return Spi12Filters.requests(value);
    }

    /** How many shared resources with this key {@code test-counted} filters created so far. */
    public static int sharedCreated(String key) {
        return Spi12Filters.sharedCreated(key);
    }

    /** How many shared resources with this key were closed so far. */
    public static int sharedClosed(String key) {
        return Spi12Filters.sharedClosed(key);
    }

    @Override
    public Iterable<FilterFactory> filterFactories() {
        List<FilterFactory> all = new java.util.ArrayList<>(Spi12Filters.factories());
        filterFactories1().forEach(all::add);
        return List.copyOf(all);
    }

    private static List<FilterFactory> filterFactories1() {
        return List.of(
                factory("test-tag", config -> {
                    String value = config.has("value") ? config.getString("value") : "tagged";
                    int order = config.has("order") ? config.getInt("order") : Filter.Order.TRANSFORM;
                    return new Filter() {
                        @Override
                        public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                            String previous = exchange.request().headers().get("X-Tags");
                            exchange.request().headers().set("X-Tags", previous == null ? value : previous + "," + value);
                            return chain.proceed(exchange).thenRun(() -> exchange.response().headers().add("X-Tag", value));
                        }

                        @Override
                        public int order() {
                            return order;
                        }
                    };
                }),
                factory("test-header-auth", config -> new Filter() {
                    @Override
                    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                        String user = exchange.request().headers().get("X-User");
                        if (user == null) {
                            return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAUTHORIZED,
                                    "X-User required").withHeader("WWW-Authenticate", "X-User"));
                        }
                        exchange.setPrincipal(Principal.of(user, "header", Set.of("user"), Map.of()));
                        return chain.proceed(exchange);
                    }

                    @Override
                    public int order() {
                        return Order.AUTHENTICATION;
                    }
                }),
                factory("test-trail", config -> {
                    String value = config.getString("value");
                    int order = config.getInt("order");
                    return new Filter() {
                        @Override
                        public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                            TRAIL_RUNS.computeIfAbsent(value, key -> new AtomicInteger()).incrementAndGet();
                            String previous = exchange.attribute(TRAIL);
                            exchange.setAttribute(TRAIL, previous == null ? value : previous + "," + value);
                            return chain.proceed(exchange);
                        }

                        @Override
                        public int order() {
                            return order;
                        }
                    };
                }),
                factory("test-token-auth", config -> new Filter() {
                    // Authorization: Bearer user-<name> authenticates <name>; forbidden-… is refused
                    // with 403, any other token with 401; without the header the exchange goes on
                    // anonymous (optional authentication).
                    @Override
                    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                        String authorization = exchange.request().headers().get("Authorization");
                        if (authorization == null) {
                            return chain.proceed(exchange);
                        }
                        String token = authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
                        if (token.startsWith("user-") && token.length() > 5) {
                            exchange.setPrincipal(Principal.of(token.substring(5), "token", Set.of("user"), Map.of()));
                            return chain.proceed(exchange);
                        }
                        if (token.startsWith("forbidden-")) {
                            return CompletableFuture.failedStage(new GatewayException(ErrorCode.FORBIDDEN, "this token may not be used here"));
                        }
                        return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAUTHORIZED, "invalid token")
                                .withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\""));
                    }

                    @Override
                    public int order() {
                        return Order.AUTHENTICATION;
                    }
                }),
                factory("test-answer", config -> {
                    int order = config.getInt("order");
                    return new Filter() {
                        // Answers with the status of X-Answer when the request carries one.
                        @Override
                        public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                            String status = exchange.request().headers().get("X-Answer");
                            if (status == null) {
                                return chain.proceed(exchange);
                            }
                            exchange.response().setStatus(Integer.parseInt(status));
                            exchange.response().headers().set("X-Answered", "yes");
                            exchange.response().setBody("answered", "text/plain");
                            return CompletableFuture.completedFuture(null);
                        }

                        @Override
                        public int order() {
                            return order;
                        }
                    };
                }),
                factory("test-thread", config -> (exchange, chain) -> {
                    // The thread that handled the request (not the one the response completes on).
                    String thread = Thread.currentThread().getName();
                    return chain.proceed(exchange).thenRun(() -> exchange.response().headers().set("X-Thread", thread));
                }),
                factory("test-proceed-twice", config -> (exchange, chain) -> {
                    chain.proceed(exchange);
                    return chain.proceed(exchange);
                }),
                factory("test-null-stage", config -> (exchange, chain) -> null),
                factory("test-throwing", config -> (exchange, chain) -> {
                    throw new IllegalStateException("boom");
                }),
                factory("test-broken-start", config -> {
                    throw new IllegalStateException("cannot start");
                }));
    }

    @Override
    public Iterable<EndpointFactory> endpointFactories() {
        return List.of(
                endpoint("test-echo", config -> exchange -> {
                    if (exchange.request().method().equals("GET") || exchange.request().method().equals("HEAD")) {
                        exchange.response().setBody(describe(exchange, ""), "application/json");
                        return CompletableFuture.completedFuture(null);
                    }
                    return exchange.request().bufferBody().thenAccept(body ->
                            exchange.response().setBody(describe(exchange, StandardCharsets.UTF_8.decode(body).toString()), "application/json"));
                }),
                endpoint("test-ws-echo", config -> exchange -> {
                    if (!exchange.request().isWebSocketUpgrade()) {
                        return CompletableFuture.failedStage(new GatewayException(ErrorCode.BAD_REQUEST, "WebSocket only"));
                    }
                    return exchange.upgradeToWebSocket(new WebSocketHandler() {
                        @Override
                        public void onOpen(WebSocketSession session) {
                            String key = session.exchange().request().headers().get(WEB_SOCKET_KEY);
                            if (key != null) {
                                WEB_SOCKETS.put(key, session);
                            }
                            session.send(WebSocketMessage.text("hello " + exchange.principal().map(Principal::name).orElse("anonymous")
                                    + " on " + exchange.request().protocol()));
                        }

                        @Override
                        public void onText(WebSocketSession session, String text) {
                            if (text.startsWith("close:")) {
                                session.close(Integer.parseInt(text.substring(6)), "asked to");
                            }
                            else if (text.startsWith("burst:")) {
                                // Sent back to back: they queue behind the first, and go out in turns.
                                // "burst:N" or "burst:N:SIZE", each message padded to SIZE characters.
                                String[] parts = text.split(":");
                                int count = Integer.parseInt(parts[1]);
                                int size = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
                                for (int i = 0; i < count; i++) {
                                    String message = "m" + i;
                                    if (size > message.length()) {
                                        message += ".".repeat(size - message.length());
                                    }
                                    session.send(WebSocketMessage.text(message));
                                }
                            }
                            else if (text.equals("exchange")) {
                                Exchange upgraded = session.exchange();
                                session.send(WebSocketMessage.text(upgraded.request().method() + " " + upgraded.request().path() + "?"
                                        + upgraded.request().query() + " route=" + upgraded.route().id() + " tag="
                                        + upgraded.request().headers().get("X-Tags") + " client=" + upgraded.clientAddress().getHostAddress()
                                        + " remote=" + (upgraded.connection().remoteAddress() != null)));
                            }
                            else {
                                session.send(WebSocketMessage.text("echo:" + text));
                            }
                        }

                        @Override
                        public void onBinary(WebSocketSession session, ByteBuffer data) {
                            ByteBuffer copy = ByteBuffer.allocate(data.remaining());
                            copy.put(data).flip();
                            session.send(WebSocketMessage.binary(copy));
                        }
                    }, new WebSocketSettings(config.getDuration("idle-timeout"), config.getDuration("ping-interval"),
                            WebSocketSettings.DEFAULTS.maxMessageSize(), WebSocketSettings.DEFAULTS.maxQueuedBytes(),
                            WebSocketSettings.DEFAULTS.maxQueuedMessages(), false));
                }),
                endpoint("test-authenticate", config -> exchange -> {
                    Headers credentials = Headers.create();
                    exchange.request().headers().forEach((name, value) -> {
                        if (name.regionMatches(true, 0, CREDENTIAL_PREFIX, 0, CREDENTIAL_PREFIX.length())) {
                            credentials.add(name.substring(CREDENTIAL_PREFIX.length()), value);
                        }
                    });
                    String before = snapshot(exchange);
                    return exchange.authenticate(credentials).handle((principal, failure) -> {
                        String outcome;
                        if (failure == null) {
                            outcome = principal.map(found -> "principal " + found.name() + " " + found.scheme()).orElse("none");
                        }
                        else {
                            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                            outcome = cause instanceof GatewayException refusal
                                    ? "refused " + refusal.code() + " " + refusal.getMessage() + " " + new TreeMap<>(refusal.headers())
                                    : "failed " + cause;
                        }
                        exchange.response().setBody("outcome: " + outcome + "\nbefore: " + before + "\nafter: " + snapshot(exchange) + "\n",
                                "text/plain");
                        return null;
                    });
                }),
                endpoint("test-stream", config -> exchange -> {
                    exchange.response().headers().set("Content-Type", "application/octet-stream");
                    exchange.response().setBody(exchange.request().body());
                    return CompletableFuture.completedFuture(null);
                }),
                endpoint("test-gate", config -> {
                    Gate gate = gate(config.getString("gate"));
                    return exchange -> {
                        gate.arrived.incrementAndGet();
                        return gate.opened.copy().orTimeout(30, TimeUnit.SECONDS)
                                .handle((opened, failure) -> {
                                    if (failure != null) {
                                        throw new GatewayException(ErrorCode.GATEWAY_TIMEOUT, "gate not opened");
                                    }
                                    exchange.response().setBody("opened", "text/plain");
                                    return null;
                                });
                    };
                }));
    }

    private static String describe(Exchange exchange, String body) {
        Map<String, String> headers = new TreeMap<>();
        exchange.request().headers().forEach((name, value) -> headers.merge(name.toLowerCase(), value, (a, b) -> a + "," + b));
        StringBuilder json = new StringBuilder("{");
        field(json, "method", exchange.request().method()).append(',');
        field(json, "path", exchange.request().path()).append(',');
        field(json, "query", String.valueOf(exchange.request().query())).append(',');
        field(json, "protocol", exchange.request().protocol()).append(',');
        field(json, "scheme", exchange.request().scheme()).append(',');
        field(json, "route", exchange.route().id()).append(',');
        field(json, "requestId", exchange.requestId()).append(',');
        field(json, "principal", exchange.principal().map(Principal::name).orElse("")).append(',');
        field(json, "clientAddress", exchange.clientAddress() == null ? "" : exchange.clientAddress().getHostAddress()).append(',');
        field(json, "body", body).append(',');
        json.append("\"params\":{");
        int i = 0;
        for (Map.Entry<String, String> param : new TreeMap<>(exchange.route().pathParameters()).entrySet()) {
            if (i++ > 0) {
                json.append(',');
            }
            field(json, param.getKey(), param.getValue());
        }
        json.append("},\"headers\":{");
        i = 0;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (i++ > 0) {
                json.append(',');
            }
            field(json, header.getKey(), header.getValue());
        }
        return json.append("}}").toString();
    }

    /** What an exchange looks like now: request, principal, trail attribute, response status and headers. */
    private static String snapshot(Exchange exchange) {
        return describe(exchange, "") + " trail=" + exchange.attribute(TRAIL) + " status=" + exchange.response().status()
                + " response-headers=" + exchange.response().headers();
    }

    private static StringBuilder field(StringBuilder json, String name, String value) {
        return json.append('"').append(escape(name)).append("\":\"").append(escape(value)).append('"');
    }

    private static String escape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    interface Creator<T> {
        T create(PluginConfig config);
    }

    private static FilterFactory factory(String name, Creator<Filter> creator) {
        return new FilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Filter create(PluginConfig config, PluginContext context) {
                return creator.create(config);
            }
        };
    }

    private static EndpointFactory endpoint(String name, Creator<Endpoint> creator) {
        return new EndpointFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Endpoint create(PluginConfig config, PluginContext context) {
                return creator.create(config);
            }
        };
    }

    /** Bytes of a body. */
    public static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }
}
