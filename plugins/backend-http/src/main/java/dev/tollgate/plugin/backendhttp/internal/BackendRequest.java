package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpConversation;
import org.eclipse.jetty.client.transport.HttpRequest;

import org.eclipse.jetty.util.NanoTime;

import java.net.URI;

import static java.util.Objects.requireNonNull;

/**
 * A Jetty client request whose path and query are given already encoded, as the gateway forwards
 * them, instead of being parsed from a URI: Jetty's own request would parse the target with
 * {@code java.net.URI} and decode every query parameter, work a proxy never needs (and a query a
 * client may send is not always a valid {@code java.net.URI}).
 *
 * <p>It is sent to the instance's destination directly, so its host and port are only the
 * HTTP/2 {@code :authority}, set to the same value as the {@code Host} header.
 *
 * <p>It also carries the response timeout, as the deadline Jetty's connections already enforce
 * for each request they carry ({@link #getTimeoutNanoTime}, checked by one cyclic timer per
 * connection): no timer per request. The deadline is pushed back while the body is being sent,
 * set when the request was sent whole ({@link #awaitResponse}), and lifted when the response
 * headers arrive ({@link #answered}), so a response body may stream for as long as it lasts.
 * When it passes, Jetty aborts the request with a {@code TimeoutException}.
 */
final class BackendRequest extends HttpRequest {
    private static final int SENDING = 0;
    private static final int WAITING = 1;
    private static final int ANSWERED = 2;

    private final String path;
    private final String query;
    private final long responseTimeoutNanos;
    private volatile int phase = SENDING;
    private volatile long deadline = Long.MAX_VALUE;

    /**
     * @param origin the instance's origin ({@code scheme://host:port}), without path or query
     * @param path the encoded, absolute path to send
     * @param query the raw query, or null
     * @param responseTimeoutMillis from the end of the request to the response headers; 0 for none
     */
    BackendRequest(HttpClient client, URI origin, String path, String query, long responseTimeoutMillis) {
        super(client, new HttpConversation(), origin);
        this.path = requireNonNull(path, "path is null");
        this.query = query;
        this.responseTimeoutNanos = responseTimeoutMillis * 1_000_000L;
    }

    /** The request went out whole: the response timeout starts. */
    void awaitResponse() {
        if (responseTimeoutNanos > 0) {
            deadline = NanoTime.now() + responseTimeoutNanos;
            phase = WAITING;
        }
    }

    /** The response headers arrived: no deadline any more. */
    void answered() {
        phase = ANSWERED;
    }

    @Override
    public long getTimeoutNanoTime() {
        if (responseTimeoutNanos <= 0) {
            return Long.MAX_VALUE;
        }
        return switch (phase) {
            case SENDING -> NanoTime.now() + responseTimeoutNanos;
            case WAITING -> deadline;
            default -> Long.MAX_VALUE;
        };
    }

    @Override
    public String getPath() {
        return path;
    }

    @Override
    public String getQuery() {
        return query;
    }

    /** Sets the HTTP/2 {@code :authority} from a {@code Host} value: {@code host}, {@code host:port}, {@code [v6]:port}. */
    BackendRequest authority(String authority) {
        int portSeparator;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            portSeparator = close >= 0 && close + 1 < authority.length() && authority.charAt(close + 1) == ':' ? close + 1 : -1;
        }
        else {
            portSeparator = authority.lastIndexOf(':');
        }
        if (portSeparator < 0) {
            host(authority);
            port(-1);
            return this;
        }
        host(authority.substring(0, portSeparator));
        try {
            port(Integer.parseInt(authority.substring(portSeparator + 1)));
        }
        catch (NumberFormatException e) {
            port(-1);
        }
        return this;
    }
}
