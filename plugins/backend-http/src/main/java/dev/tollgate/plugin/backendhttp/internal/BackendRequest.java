package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpConversation;
import org.eclipse.jetty.client.transport.HttpRequest;

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
 */
final class BackendRequest extends HttpRequest {
    private final String path;
    private final String query;

    /**
     * @param origin the instance's origin ({@code scheme://host:port}), without path or query
     * @param path the encoded, absolute path to send
     * @param query the raw query, or null
     */
    BackendRequest(HttpClient client, URI origin, String path, String query) {
        super(client, new HttpConversation(), origin);
        this.path = requireNonNull(path, "path is null");
        this.query = query;
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
