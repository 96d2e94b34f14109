package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.http.Bodies;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.URIUtil;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * The request of an exchange as filters and the backend see it: the request line from a
 * {@link Line}, the path and query (which filters may rewrite), the headers (copied from the
 * client's only when a filter changes one) and the body from a {@link BodySource} (read only as
 * its consumer asks, or buffered on request within the route's limit).
 *
 * <p>Not thread-safe: an exchange is handled by one thread at a time.
 */
final class ExchangeRequest implements Exchange.Request {
    private final Line line;
    private final HttpFields clientHeaders;
    private final BodySource bodySource;
    private final LongSupplier maxBufferedBodySize;
    private String path;
    private String decodedPath;
    private String query;
    private boolean queryChanged;
    private Fields queryParameters;
    private JettyHeaders headers;
    private Flow.Publisher<ByteBuffer> body;
    private long contentLength = Long.MIN_VALUE;
    private CompletionStage<ByteBuffer> buffered;

    /**
     * @param line the request line (method, scheme, authority, query, protocol)
     * @param path the canonical path routing saw
     * @param clientHeaders the client's fields, copied on the first change
     * @param bodySource where the body comes from
     * @param maxBufferedBodySize the most {@link #bufferBody} may hold (the route's, once routed)
     */
    ExchangeRequest(Line line, String path, HttpFields clientHeaders, BodySource bodySource, LongSupplier maxBufferedBodySize) {
        this.line = requireNonNull(line, "line is null");
        this.path = requireNonNull(path, "path is null");
        this.clientHeaders = requireNonNull(clientHeaders, "clientHeaders is null");
        this.bodySource = requireNonNull(bodySource, "bodySource is null");
        this.maxBufferedBodySize = requireNonNull(maxBufferedBodySize, "maxBufferedBodySize is null");
    }

    @Override
    public String method() {
        return line.method();
    }

    @Override
    public String scheme() {
        return line.scheme();
    }

    @Override
    public String authority() {
        return line.authority();
    }

    @Override
    public String host() {
        return line.host();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public void setPath(String newPath) {
        requireNonNull(newPath, "path is null");
        if (!newPath.startsWith("/")) {
            throw new IllegalArgumentException("path must be absolute: " + newPath);
        }
        path = newPath;
        decodedPath = null;
    }

    @Override
    public String decodedPath() {
        if (decodedPath == null) {
            decodedPath = URIUtil.decodePath(path);
        }
        return decodedPath;
    }

    @Override
    public String query() {
        return queryChanged ? query : line.query();
    }

    @Override
    public void setQuery(String newQuery) {
        query = newQuery;
        queryChanged = true;
        queryParameters = null;
    }

    @Override
    public String queryParameter(String name) {
        if (queryParameters == null) {
            queryParameters = decodeQuery(query());
        }
        return queryParameters.getValue(name);
    }

    @Override
    public String protocol() {
        return line.protocol();
    }

    @Override
    public Headers headers() {
        if (headers == null) {
            headers = JettyHeaders.copyOnWrite(clientHeaders);
        }
        return headers;
    }

    /** The headers as they are now, without allocating a view when no filter touched them. */
    HttpFields fields() {
        return headers == null ? clientHeaders : headers.fields();
    }

    @Override
    public long contentLength() {
        if (contentLength == Long.MIN_VALUE) {
            contentLength = bodySource.declaredLength();
        }
        return contentLength;
    }

    @Override
    public Flow.Publisher<ByteBuffer> body() {
        if (body == null) {
            body = bodySource.open();
        }
        return body;
    }

    @Override
    public void setBody(Flow.Publisher<ByteBuffer> newBody, long length) {
        body = requireNonNull(newBody, "body is null");
        contentLength = length < 0 ? -1 : length;
        buffered = null;
    }

    @Override
    public CompletionStage<ByteBuffer> bufferBody() {
        if (buffered != null) {
            return buffered;
        }
        long declared = contentLength();
        long limit = maxBufferedBodySize.getAsLong();
        if (declared > limit) {
            return CompletableFuture.failedFuture(tooLarge(declared, limit));
        }
        Flow.Publisher<ByteBuffer> source = body();
        buffered = Bodies.collect(source, limit, () -> tooLarge(-1, limit)).thenApply(content -> {
            if (body == source) {
                body = Bodies.of(content);
                contentLength = content.remaining();
            }
            return content.asReadOnlyBuffer();
        });
        return buffered;
    }

    private static GatewayException tooLarge(long declared, long limit) {
        return new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE, declared >= 0
                ? "request body of " + declared + " bytes exceeds the " + limit + " bytes this route may buffer"
                : "request body exceeds the " + limit + " bytes this route may buffer");
    }

    @Override
    public Headers trailers() {
        Headers trailers = bodySource.trailers();
        return trailers != null ? trailers : Headers.create();
    }

    @Override
    public boolean isWebSocketUpgrade() {
        return line.isWebSocketUpgrade();
    }

    /** The request line. */
    Line line() {
        return line;
    }

    /**
     * The parameters of a raw query string, decoded as UTF-8.
     *
     * @throws GatewayException {@code BAD_REQUEST} for a malformed encoding
     */
    static Fields decodeQuery(String raw) {
        Fields parameters = new Fields(true);
        if (raw != null && !raw.isEmpty()) {
            try {
                org.eclipse.jetty.util.UrlEncoded.decodeUtf8To(raw, 0, raw.length(), parameters::add);
            }
            catch (IllegalArgumentException e) {
                throw new GatewayException(ErrorCode.BAD_REQUEST, "malformed query string: " + e.getMessage());
            }
        }
        return parameters;
    }

    /** The request line: what a request says about itself besides its path, headers and body. */
    interface Line {
        String method();

        String scheme();

        String authority();

        String host();

        /** The raw query without {@code ?}, or null. */
        String query();

        String protocol();

        boolean isWebSocketUpgrade();

        /** This line with every value read now, so that it no longer depends on its source. */
        default Line capture() {
            return new CapturedLine(method(), scheme(), authority(), host(), query(), protocol(), isWebSocketUpgrade());
        }
    }

    /** A request line held as values. */
    record CapturedLine(String method, String scheme, String authority, String host, String query, String protocol,
                        boolean isWebSocketUpgrade) implements Line {
        @Override
        public Line capture() {
            return this;
        }
    }

    /** Where a request's body comes from. */
    interface BodySource {
        /** The body, opened on first use. */
        Flow.Publisher<ByteBuffer> open();

        /** The length the request declares ({@code Content-Length}), or -1 when unknown. */
        long declaredLength();

        /** Trailers received with the body, or null. */
        Headers trailers();

        /** No body (a copy made to authenticate a credential). */
        BodySource NONE = new BodySource() {
            @Override
            public Flow.Publisher<ByteBuffer> open() {
                return Bodies.empty();
            }

            @Override
            public long declaredLength() {
                return 0;
            }

            @Override
            public Headers trailers() {
                return null;
            }
        };
    }
}
