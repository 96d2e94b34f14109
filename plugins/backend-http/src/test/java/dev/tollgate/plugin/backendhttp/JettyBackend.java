package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.tls.KeyStores;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Jetty server playing a backend instance, on an ephemeral port of 127.0.0.1: clear text
 * (HTTP/1.1 and h2c on one port) or TLS (ALPN h2 and http/1.1) with a self-signed certificate
 * for localhost and 127.0.0.1, optionally requiring a client certificate.
 */
final class JettyBackend implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final boolean tls;

    private JettyBackend(Server server, ServerConnector connector, boolean tls) {
        this.server = server;
        this.connector = connector;
        this.tls = tls;
    }

    /** HTTP/1.1 and h2c (prior knowledge) on one clear-text port. */
    static JettyBackend clearText(Handler handler) throws Exception {
        Server server = new Server();
        HttpConfiguration configuration = new HttpConfiguration();
        configuration.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(configuration),
                new HTTP2CServerConnectionFactory(configuration));
        return start(server, connector, handler, false);
    }

    /**
     * TLS with ALPN (h2, http/1.1), its certificate from {@link #certificate}.
     *
     * @param requireClientCertificate ask for a client certificate signed by the same key (mutual TLS)
     */
    static JettyBackend tls(Handler handler, Path certificate, boolean requireClientCertificate) throws Exception {
        Server server = new Server();
        HttpConfiguration configuration = new HttpConfiguration();
        configuration.setSendServerVersion(false);
        configuration.addCustomizer(new SecureRequestCustomizer(false));
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(certificate.toString());
        ssl.setKeyStorePassword(KeyStores.SELF_SIGNED_PASSWORD);
        ssl.setKeyStoreType("PKCS12");
        if (requireClientCertificate) {
            ssl.setTrustStorePath(certificate.toString());
            ssl.setTrustStorePassword(KeyStores.SELF_SIGNED_PASSWORD);
            ssl.setTrustStoreType("PKCS12");
            ssl.setNeedClientAuth(true);
        }
        HttpConnectionFactory http11 = new HttpConnectionFactory(configuration);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(configuration);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol(http11.getProtocol());
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2, http11);
        return start(server, connector, handler, true);
    }

    /** A self-signed PKCS12 store (password {@link KeyStores#SELF_SIGNED_PASSWORD}) for localhost and 127.0.0.1. */
    static Path certificate(Path directory) throws Exception {
        Files.createDirectories(directory);
        KeyStores.selfSigned(directory, List.of("localhost", "127.0.0.1"));
        return directory.resolve(KeyStores.SELF_SIGNED_FILE);
    }

    private static JettyBackend start(Server server, ServerConnector connector, Handler handler, boolean tls) throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return new JettyBackend(server, connector, tls);
    }

    int port() {
        return connector.getLocalPort();
    }

    /** Connections open to this backend now. */
    int openConnections() {
        return connector.getConnectedEndPoints().size();
    }

    /** The instance address with the given scheme: http, h2c (clear text) or https (TLS). */
    String url(String scheme) {
        if (tls != scheme.equals("https")) {
            throw new IllegalArgumentException(scheme + " does not fit a " + (tls ? "TLS" : "clear-text") + " backend");
        }
        return scheme + "://127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
