package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.http.Exchange;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.net.InetSocketAddress;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/**
 * Writes the headers of a request to an instance: the client's headers, each copied once, without
 * the hop-by-hop ones (and those its {@code Connection} names), then {@code Host}, the forwarding
 * headers the route asks for, and {@code TE: trailers} when the client accepts trailers.
 *
 * <ul>
 *   <li>{@code Host} comes first: the client's (preserve-host) or the instance's authority.</li>
 *   <li>{@code Content-Length} is left to the body (a filter may have replaced it).</li>
 *   <li>{@code Expect} is forwarded only with a body, so that {@code 100-continue} works end to end.</li>
 *   <li>Several {@code Cookie} fields (as HTTP/2 clients send them) become one, joined with "; ".</li>
 *   <li>{@code X-Forwarded-For}, {@code Forwarded} and {@code Via} extend what the client sent;
 *       {@code X-Forwarded-Proto}, {@code -Host} and {@code -Port} replace it; a switched-off header
 *       passes through as the client sent it.</li>
 * </ul>
 * One instance per attempt, used on one thread.
 */
final class RequestHeaderWriter implements BiConsumer<String, String> {
    private final HttpFields.Mutable target;
    private final RouteSettings route;
    private final boolean withBody;
    private final String[] connectionOptions;
    private String forwardedFor;
    private String forwarded;
    private String via;
    private String cookies;
    private boolean trailers;

    private RequestHeaderWriter(HttpFields.Mutable target, RouteSettings route, boolean withBody, String[] connectionOptions) {
        this.target = target;
        this.route = route;
        this.withBody = withBody;
        this.connectionOptions = connectionOptions;
    }

    /**
     * Writes the headers for {@code exchange} into {@code target}.
     *
     * @param host the {@code Host} to send
     * @param clientAuthority the authority the client asked for (for X-Forwarded-Host and Forwarded)
     * @param withBody whether the request to the instance has a body
     */
    static void write(Exchange exchange, RouteSettings route, String host, String clientAuthority, boolean withBody,
                      HttpFields.Mutable target) {
        requireNonNull(host, "host is null");
        Exchange.Request request = exchange.request();
        target.add(new HttpField(HttpHeader.HOST, host));
        RequestHeaderWriter writer = new RequestHeaderWriter(target, route, withBody,
                HeaderRules.connectionOptions(request.headers().get("Connection")));
        request.headers().forEach(writer);
        writer.finish(exchange, clientAuthority);
    }

    @Override
    public void accept(String name, String value) {
        HttpHeader header = HeaderRules.lookup(name);
        if (connectionOptions != null && HeaderRules.isConnectionOption(connectionOptions, name)) {
            return;
        }
        if (header != null) {
            switch (header) {
                case CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, TRAILER, TRANSFER_ENCODING, UPGRADE, PROXY_AUTHENTICATE,
                     PROXY_AUTHORIZATION, HOST, CONTENT_LENGTH -> {
                    return;
                }
                case TE -> {
                    trailers |= HeaderRules.containsToken(value, "trailers");
                    return;
                }
                case EXPECT -> {
                    if (!withBody) {
                        return;
                    }
                }
                case COOKIE -> {
                    cookies = cookies == null ? value : cookies + "; " + value;
                    return;
                }
                case X_FORWARDED_FOR -> {
                    if (route.forwarded().xForwardedFor()) {
                        forwardedFor = HeaderRules.join(forwardedFor, value);
                        return;
                    }
                }
                case FORWARDED -> {
                    if (route.forwarded().forwarded()) {
                        forwarded = HeaderRules.join(forwarded, value);
                        return;
                    }
                }
                case VIA -> {
                    if (!route.via().isEmpty()) {
                        via = HeaderRules.join(via, value);
                        return;
                    }
                }
                case X_FORWARDED_PROTO -> {
                    if (route.forwarded().xForwardedProto()) {
                        return;
                    }
                }
                case X_FORWARDED_HOST -> {
                    if (route.forwarded().xForwardedHost()) {
                        return;
                    }
                }
                case X_FORWARDED_PORT -> {
                    if (route.forwarded().xForwardedPort()) {
                        return;
                    }
                }
                default -> {
                }
            }
        }
        target.add(new HttpField(header, name, value));
    }

    private void finish(Exchange exchange, String clientAuthority) {
        if (cookies != null) {
            target.add(new HttpField(HttpHeader.COOKIE, cookies));
        }
        RouteSettings.Forwarded switches = route.forwarded();
        Exchange.Request request = exchange.request();
        boolean needsClient = switches.xForwardedFor() || switches.forwarded();
        Exchange.Connection connection = needsClient || switches.xForwardedPort() ? exchange.connection() : null;
        InetSocketAddress client = needsClient ? connection.remoteAddress() : null;
        if (switches.xForwardedFor()) {
            target.add(new HttpField(HttpHeader.X_FORWARDED_FOR, HeaderRules.join(forwardedFor, HeaderRules.clientAddress(client))));
        }
        if (switches.xForwardedProto()) {
            target.add(new HttpField(HttpHeader.X_FORWARDED_PROTO, request.scheme()));
        }
        if (switches.xForwardedHost()) {
            target.add(new HttpField(HttpHeader.X_FORWARDED_HOST, clientAuthority));
        }
        if (switches.xForwardedPort() && connection.localAddress() != null) {
            target.add(new HttpField(HttpHeader.X_FORWARDED_PORT, Integer.toString(connection.localAddress().getPort())));
        }
        if (switches.forwarded()) {
            target.add(new HttpField(HttpHeader.FORWARDED,
                    HeaderRules.join(forwarded, HeaderRules.forwardedElement(client, clientAuthority, request.scheme()))));
        }
        if (!route.via().isEmpty()) {
            target.add(new HttpField(HttpHeader.VIA, HeaderRules.join(via, HeaderRules.viaProtocol(request.protocol()) + " " + route.via())));
        }
        if (trailers) {
            target.add(new HttpField(HttpHeader.TE, "trailers"));
        }
    }
}
