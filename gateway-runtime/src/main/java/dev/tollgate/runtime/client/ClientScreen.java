package dev.tollgate.runtime.client;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What the gateway believes of a client's request: which of its header fields reach filters and
 * backends ({@link #screen}, once, as the request arrives and before any filter runs), and which
 * address is the client's ({@link #clientAddress}).
 *
 * <p>Screening removes
 * <ul>
 *   <li>the identity headers ({@code gateway.server.identity-headers}), from every request: only
 *       the gateway's own filters may tell a backend who a request is on behalf of;</li>
 *   <li>the fields a {@code Connection} field names (RFC 9110 §7.6.1: they were meant for the hop
 *       between the client and the gateway), whichever of the request's {@code Connection}
 *       fields names them — except the fields the gateway reads itself: {@code Host},
 *       {@code Content-Length}, the request id header, the forwarding headers of a trusted proxy,
 *       and the hop-by-hop fields each backend handles by its own protocol's rules ({@code TE},
 *       {@code Upgrade}, {@code Keep-Alive}…). Removed here rather than in a backend, a client
 *       cannot use {@code Connection} to remove a field a filter adds;</li>
 *   <li>the forwarding headers — {@code Forwarded}, every {@code X-Forwarded-*},
 *       {@code X-Real-IP} and the {@code client-address-header} — unless the peer is a trusted
 *       proxy ({@code gateway.server.trusted-proxies}). What is left of them came from a trusted
 *       proxy, and backends extend it.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe. A request with nothing to remove costs one pass over its fields
 * and allocates nothing ({@code Connection: keep-alive} and {@code close} included); the peer is
 * looked up in the trusted ranges only when a forwarding header is there, or the client address
 * is asked for.
 */
public final class ClientScreen {
    private static final int KEPT = 0;
    private static final int IDENTITY = 1;
    private static final int FORWARDING = 2;
    private static final int CONNECTION = 3;
    private static final String X_FORWARDED = "X-Forwarded-";
    private static final String X_REAL_IP = "X-Real-IP";

    private final TrustedProxies trustedProxies;
    private final String clientAddressHeader;
    private final boolean forwardedChain;
    private final String[] identityHeaders;
    private final String requestIdHeader;

    /**
     * @param trustedProxies the peers whose forwarding headers are believed
     * @param clientAddressHeader the header the trusted proxies report the client's address in:
     *        {@code Forwarded} (RFC 7239) or a list of addresses such as {@code X-Forwarded-For}
     * @param identityHeaders header names removed from every request
     * @param requestIdHeader the request id header, which {@code Connection} cannot remove
     */
    public ClientScreen(TrustedProxies trustedProxies, String clientAddressHeader, List<String> identityHeaders,
                        String requestIdHeader) {
        this.trustedProxies = requireNonNull(trustedProxies, "trustedProxies is null");
        this.clientAddressHeader = requireNonNull(clientAddressHeader, "clientAddressHeader is null");
        this.forwardedChain = clientAddressHeader.equalsIgnoreCase(HttpHeader.FORWARDED.asString());
        this.identityHeaders = identityHeaders.toArray(String[]::new);
        this.requestIdHeader = requireNonNull(requestIdHeader, "requestIdHeader is null");
    }

    /**
     * The fields filters and backends are to see of {@code fields}, the client's: {@code fields}
     * itself when nothing is to be removed, else an immutable copy without those fields.
     *
     * @param peer the peer of the connection
     */
    public HttpFields screen(HttpFields fields, SocketAddress peer) {
        int size = fields.size();
        boolean identity = false;
        boolean forwarding = false;
        boolean connection = false;
        for (int i = 0; i < size; i++) {
            switch (kindOf(fields.getField(i))) {
                case IDENTITY -> identity = true;
                case FORWARDING -> forwarding = true;
                case CONNECTION -> connection = true;
                default -> {
                }
            }
        }
        boolean fromTrustedProxy = forwarding && isTrusted(peer);
        String[] named = null;
        if (connection) {
            for (int i = 0; i < size; i++) {
                HttpField field = fields.getField(i);
                if (field.getHeader() == HttpHeader.CONNECTION) {
                    named = connectionOptions(field.getValue(), named, fromTrustedProxy);
                }
            }
        }
        if (!identity && (!forwarding || fromTrustedProxy) && named == null) {
            return fields;
        }
        HttpFields.Mutable kept = HttpFields.build(size);
        for (int i = 0; i < size; i++) {
            HttpField field = fields.getField(i);
            int kind = kindOf(field);
            if (kind != IDENTITY && (kind != FORWARDING || fromTrustedProxy) && (named == null || !isNamed(named, field.getName()))) {
                kept.add(field);
            }
        }
        return kept.asImmutable();
    }

    /**
     * The client's address as the gateway trusts it (see {@code Exchange.clientAddress()}): the
     * peer's, or from a trusted proxy the rightmost address of the chain in {@code fields} (as
     * {@link #screen} left them) that is not a trusted proxy; where the chain stops before one,
     * the last trusted proxy that reported. Null when the peer's address is unknown.
     */
    public InetAddress clientAddress(SocketAddress peer, HttpFields fields) {
        InetAddress peerAddress = peer instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (!trustedProxies.contains(peerAddress)) {
            return peerAddress;
        }
        ChainWalk walk = new ChainWalk(trustedProxies);
        for (int i = fields.size() - 1; i >= 0; i--) {
            HttpField field = fields.getField(i);
            if (!field.is(clientAddressHeader)) {
                continue;
            }
            boolean going = forwardedChain ? ForwardedChain.visitForwarded(field.getValue(), walk)
                    : ForwardedChain.visitAddressList(field.getValue(), walk);
            if (!going) {
                break;
            }
        }
        byte[] client = walk.client();
        if (client == null) {
            return peerAddress;
        }
        try {
            return InetAddress.getByAddress(client);
        }
        catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + client.length + " bytes", e);
        }
    }

    private int kindOf(HttpField field) {
        HttpHeader header = field.getHeader();
        if (header == HttpHeader.CONNECTION) {
            return CONNECTION;
        }
        String name = field.getName();
        for (String identityHeader : identityHeaders) {
            if (identityHeader.equalsIgnoreCase(name)) {
                return IDENTITY;
            }
        }
        if (header != null) {
            return switch (header) {
                case FORWARDED, X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PORT, X_FORWARDED_PROTO, X_FORWARDED_SERVER -> FORWARDING;
                default -> name.equalsIgnoreCase(clientAddressHeader) ? FORWARDING : KEPT;
            };
        }
        return isForwardingName(name) ? FORWARDING : KEPT;
    }

    private boolean isForwardingName(String name) {
        return name.regionMatches(true, 0, X_FORWARDED, 0, X_FORWARDED.length())
                || name.equalsIgnoreCase(X_REAL_IP)
                || name.equalsIgnoreCase(clientAddressHeader);
    }

    private boolean isTrusted(SocketAddress peer) {
        return !trustedProxies.isEmpty() && peer instanceof InetSocketAddress inet && trustedProxies.contains(inet.getAddress());
    }

    /**
     * {@code named} with the names {@code value} lists that are to be removed, or {@code named}
     * itself (null at first) when it lists none: allocates only for a real option.
     */
    private String[] connectionOptions(String value, String[] named, boolean fromTrustedProxy) {
        String[] result = named;
        int length = value.length();
        int start = 0;
        while (start < length) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            int first = start;
            int last = end;
            while (first < last && isWhitespace(value.charAt(first))) {
                first++;
            }
            while (last > first && isWhitespace(value.charAt(last - 1))) {
                last--;
            }
            if (first < last && !isKeyword(value, first, last)) {
                String option = value.substring(first, last);
                if (isRemovable(option, fromTrustedProxy)) {
                    result = append(result, option);
                }
            }
            start = end + 1;
        }
        return result;
    }

    /** {@code close} and {@code keep-alive}, the connection options that name no field. */
    private static boolean isKeyword(String value, int first, int last) {
        int length = last - first;
        return length == 5 && value.regionMatches(true, first, "close", 0, 5)
                || length == 10 && value.regionMatches(true, first, "keep-alive", 0, 10);
    }

    private boolean isRemovable(String name, boolean fromTrustedProxy) {
        HttpHeader known = HttpHeader.CACHE.get(name);
        if (known != null) {
            switch (known) {
                case CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, TE, TRAILER, TRANSFER_ENCODING, UPGRADE, PROXY_AUTHENTICATE,
                     PROXY_AUTHORIZATION, HOST, CONTENT_LENGTH -> {
                    return false;
                }
                case FORWARDED, X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PORT, X_FORWARDED_PROTO, X_FORWARDED_SERVER -> {
                    return !fromTrustedProxy;
                }
                default -> {
                }
            }
        }
        if (fromTrustedProxy && isForwardingName(name)) {
            return false;
        }
        return !name.equalsIgnoreCase(requestIdHeader);
    }

    private static boolean isNamed(String[] named, String name) {
        for (String option : named) {
            if (option.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static String[] append(String[] names, String name) {
        if (names == null) {
            return new String[] {name};
        }
        String[] grown = Arrays.copyOf(names, names.length + 1);
        grown[names.length] = name;
        return grown;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    /** Walks a chain from its nearest node while the nodes are trusted proxies. */
    private static final class ChainWalk implements ForwardedChain.Visitor {
        private final TrustedProxies trustedProxies;
        private byte[] lastTrusted;
        private byte[] client;

        ChainWalk(TrustedProxies trustedProxies) {
            this.trustedProxies = trustedProxies;
        }

        @Override
        public boolean visit(byte[] node) {
            if (node == null) {
                return false;
            }
            if (!trustedProxies.contains(node)) {
                client = node;
                return false;
            }
            lastTrusted = node;
            return true;
        }

        /** The first untrusted node, else the last trusted one, else null (the peer). */
        byte[] client() {
            return client != null ? client : lastTrusted;
        }
    }
}
