package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.http.Exchange;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/**
 * Writes the headers of a request to an instance: the request's headers, each copied once, without
 * the hop-by-hop ones, then {@code Host}, the forwarding headers the route asks for, and
 * {@code TE: trailers} when the client accepts trailers. (The fields the client's {@code Connection}
 * named are already gone: the runtime removes them before any filter runs, so that a filter's
 * header survives.)
 *
 * <ul>
 *   <li>{@code Host} comes first: the client's (preserve-host) or the instance's authority.</li>
 *   <li>{@code Content-Length} is left to the body (a filter may have replaced it).</li>
 *   <li>{@code Expect} is forwarded only with a body, so that {@code 100-continue} works end to end.</li>
 *   <li>Several {@code Cookie} fields (as HTTP/2 clients send them) become one, joined with "; ".</li>
 *   <li>Forwarding headers are the runtime's decision carried out: it removes them from a client
 *       that is no trusted proxy ({@code gateway.server.trusted-proxies}), so those still on the
 *       request came from a trusted one. {@code X-Forwarded-For}, {@code Forwarded} and
 *       {@code Via} extend them with this hop (the peer's address); {@code X-Forwarded-Proto},
 *       {@code -Host} and {@code -Port} keep a trusted proxy's values, which describe the
 *       original request, and are the gateway's otherwise; {@code X-Real-IP} is the client's
 *       address as the runtime trusts it ({@link Exchange#clientAddress()}). A switched-off header
 *       passes through as the trusted proxy sent it.</li>
 *   <li>The principal headers of the service ({@link PrincipalHeaders}) are the principal's alone:
 *       the request's own fields of those names are dropped, with a principal or without, and the
 *       principal's written.</li>
 * </ul>
 * One instance per attempt, used on one thread.
 */
final class RequestHeaderWriter implements BiConsumer<String, String> {
    private static final String X_REAL_IP = "X-Real-IP";
    private final HttpFields.Mutable target;
    private final RouteSettings route;
    private final boolean withBody;
    private final String[] principalHeaderNames;
    private String forwardedFor;
    private String forwarded;
    private String via;
    private String cookies;
    private boolean trailers;
    private boolean forwardedProto;
    private boolean forwardedHost;
    private boolean forwardedPort;

    private RequestHeaderWriter(HttpFields.Mutable target, RouteSettings route, boolean withBody, String[] principalHeaderNames) {
        this.target = target;
        this.route = route;
        this.withBody = withBody;
        this.principalHeaderNames = principalHeaderNames;
    }

    /**
     * Writes the headers for {@code exchange} into {@code target}.
     *
     * @param backend the service's backend, for its principal headers
     * @param host the {@code Host} to send
     * @param clientAuthority the authority the client asked for (for X-Forwarded-Host and Forwarded)
     * @param withBody whether the request to the instance has a body
     */
    static void write(Exchange exchange, RouteSettings route, HttpBackend backend, String host, String clientAuthority, boolean withBody,
                      HttpFields.Mutable target) {
        requireNonNull(host, "host is null");
        Exchange.Request request = exchange.request();
        target.add(new HttpField(HttpHeader.HOST, host));
        RequestHeaderWriter writer = new RequestHeaderWriter(target, route, withBody, backend.principalHeaderNames());
        request.headers().forEach(writer);
        writer.finish(exchange, clientAuthority);
        backend.principalHeaders().write(exchange.principal().orElse(null), target);
    }

    @Override
    public void accept(String name, String value) {
        HttpHeader header = HeaderRules.lookup(name);
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
                case X_FORWARDED_PROTO -> forwardedProto = true;
                case X_FORWARDED_HOST -> forwardedHost = true;
                case X_FORWARDED_PORT -> forwardedPort = true;
                default -> {
                }
            }
        }
        else if (route.forwarded().xRealIp() && name.equalsIgnoreCase(X_REAL_IP)
                || PrincipalHeaders.isPrincipalHeader(principalHeaderNames, name)) {
            return;
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
        if (switches.xForwardedProto() && !forwardedProto) {
            target.add(new HttpField(HttpHeader.X_FORWARDED_PROTO, request.scheme()));
        }
        if (switches.xForwardedHost() && !forwardedHost) {
            target.add(new HttpField(HttpHeader.X_FORWARDED_HOST, clientAuthority));
        }
        if (switches.xForwardedPort() && !forwardedPort && connection.localAddress() != null) {
            target.add(new HttpField(HttpHeader.X_FORWARDED_PORT, Integer.toString(connection.localAddress().getPort())));
        }
        if (switches.xRealIp()) {
            InetAddress clientAddress = exchange.clientAddress();
            if (clientAddress != null) {
                target.add(new HttpField(X_REAL_IP, clientAddress.getHostAddress()));
            }
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
