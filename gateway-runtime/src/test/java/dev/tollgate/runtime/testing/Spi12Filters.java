package dev.tollgate.runtime.testing;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Bodies;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link TestPlugin}'s filters for what SPI 1.2 added: {@code test-refuse} answers an error
 * of its own (a 429 with headers, say), {@code test-counted} counts how many instances are created
 * and closed and how many shared resources it holds (named instances, reloads), and
 * {@code test-body} replaces or buffers a body (Content-Length kept right by the runtime).
 */
final class Spi12Filters {
    private static final Map<String, AtomicInteger> CREATED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> CLOSED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> REQUESTS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> SHARED_CREATED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> SHARED_CLOSED = new ConcurrentHashMap<>();

    private Spi12Filters() {
    }

    static List<FilterFactory> factories() {
        return List.of(new Refuse(), new Counted(), new Body());
    }

    static int count(Map<String, AtomicInteger> counters, String key) {
        AtomicInteger counter = counters.get(key);
        return counter == null ? 0 : counter.get();
    }

    static int created(String value) {
        return count(CREATED, value);
    }

    static int closed(String value) {
        return count(CLOSED, value);
    }

    static int requests(String value) {
        return count(REQUESTS, value);
    }

    static int sharedCreated(String key) {
        return count(SHARED_CREATED, key);
    }

    static int sharedClosed(String key) {
        return count(SHARED_CLOSED, key);
    }

    private static void increment(Map<String, AtomicInteger> counters, String key) {
        counters.computeIfAbsent(key, ignored -> new AtomicInteger()).incrementAndGet();
    }

    /** {@code { type = test-refuse, status = 429, headers { Retry-After = "1" }, order = 400 }}. */
    private static final class Refuse implements FilterFactory {
        @Override
        public String name() {
            return "test-refuse";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            int status = config.getInt("status");
            Map<String, String> headers = config.getStringMap("headers");
            int order = config.getInt("order");
            return new Filter() {
                @Override
                public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                    GatewayException refusal = new GatewayException(ErrorCode.forHttpStatus(status), "refused by test-refuse");
                    headers.forEach(refusal::withHeader);
                    return CompletableFuture.failedStage(refusal);
                }

                @Override
                public int order() {
                    return order;
                }
            };
        }
    }

    /**
     * {@code { type = test-counted, value = a, shared = a }}: counts instances created and closed
     * and requests seen per value, and holds the plugin-wide shared resource keyed on
     * {@code shared}; on the way back it sets {@code X-Counted: <value>:<this instance's
     * requests>} and {@code X-Error: <code>} when the response is the gateway's error.
     */
    private static final class Counted implements FilterFactory {
        @Override
        public String name() {
            return "test-counted";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            String value = config.getString("value");
            String sharedKey = config.getString("shared");
            SharedCounter shared = context.shared(new SharedKey(sharedKey), () -> new SharedCounter(sharedKey));
            increment(CREATED, value);
            AtomicInteger mine = new AtomicInteger();
            return new Filter() {
                @Override
                public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                    increment(REQUESTS, value);
                    int seen = mine.incrementAndGet();
                    shared.requests.incrementAndGet();
                    return chain.proceed(exchange).thenRun(() -> {
                        exchange.response().headers().set("X-Counted", value + ":" + seen + ":" + shared.requests.get());
                        exchange.response().error().ifPresent(error -> exchange.response().headers().set("X-Error", error.code().name()));
                    });
                }

                @Override
                public int order() {
                    return Order.SECURITY;
                }

                @Override
                public void close() {
                    increment(CLOSED, value);
                }
            };
        }
    }

    private record SharedKey(String key) {
    }

    private static final class SharedCounter implements AutoCloseable {
        private final String key;
        private final AtomicInteger requests = new AtomicInteger();

        SharedCounter(String key) {
            this.key = key;
            increment(SHARED_CREATED, key);
        }

        @Override
        public void close() {
            increment(SHARED_CLOSED, key);
        }
    }

    /**
     * {@code { type = test-body, mode = … }}: {@code upper-streamed} replaces the response body
     * with its upper case, streamed, length unknown; {@code upper-sized} the same with the length
     * given; {@code buffer-append} buffers the response and appends {@code suffix};
     * {@code request-upper} upper-cases the request body before the backend reads it.
     */
    private static final class Body implements FilterFactory {
        @Override
        public String name() {
            return "test-body";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            String mode = config.getString("mode");
            String suffix = config.getString("suffix");
            return (exchange, chain) -> switch (mode) {
                case "upper-streamed" -> chain.proceed(exchange).thenRun(() ->
                        exchange.response().setBody(Bodies.map(exchange.response().body(), Body::upper)));
                case "upper-sized" -> chain.proceed(exchange).thenRun(() -> {
                    long length = exchange.response().contentLength();
                    exchange.response().setBody(Bodies.map(exchange.response().body(), Body::upper), length);
                });
                case "buffer-append" -> chain.proceed(exchange)
                        .thenCompose(ignored -> exchange.response().bufferBody())
                        .thenAccept(body -> {
                            String text = StandardCharsets.UTF_8.decode(body).toString();
                            exchange.response().setBody(ByteBuffer.wrap((text + suffix).getBytes(StandardCharsets.UTF_8)));
                        });
                case "request-upper" -> {
                    exchange.request().setBody(Bodies.map(exchange.request().body(), Body::upper), exchange.request().contentLength());
                    yield chain.proceed(exchange);
                }
                default -> CompletableFuture.failedStage(new IllegalStateException("unknown mode " + mode));
            };
        }

        private static ByteBuffer upper(ByteBuffer buffer) {
            String text = StandardCharsets.UTF_8.decode(buffer).toString();
            return ByteBuffer.wrap(text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        }
    }
}
