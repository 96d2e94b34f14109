package dev.tollgate.runtime.server;

import dev.tollgate.api.http.Exchange.Connection;

import java.net.InetSocketAddress;

/** The facts of a client connection, read once: they no longer depend on Jetty's request. */
record CapturedConnection(InetSocketAddress remoteAddress, InetSocketAddress localAddress, boolean isSecure, String tlsProtocol)
        implements Connection {
    static CapturedConnection of(Connection connection) {
        return connection instanceof CapturedConnection captured ? captured
                : new CapturedConnection(connection.remoteAddress(), connection.localAddress(), connection.isSecure(),
                        connection.tlsProtocol());
    }
}
