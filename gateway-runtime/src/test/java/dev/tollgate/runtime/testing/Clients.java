package dev.tollgate.runtime.testing;

import dev.tollgate.runtime.tls.KeyStores;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

/** Real HTTP clients for tests, trusting the test gateway's development certificate. */
public final class Clients {
    private Clients() {
    }

    /** An SSL context trusting the development certificate of a gateway home. */
    public static SSLContext trusting(Path home) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(home.resolve("data/tls").resolve(KeyStores.SELF_SIGNED_FILE))) {
            store.load(in, KeyStores.SELF_SIGNED_PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** A JDK client trusting the gateway's certificate. */
    public static java.net.http.HttpClient jdk(Path home, java.net.http.HttpClient.Version version) throws Exception {
        return java.net.http.HttpClient.newBuilder().version(version).sslContext(trusting(home)).build();
    }

    /**
     * A started Jetty client speaking only HTTP/2: h2c with prior knowledge for http URIs, h2
     * through ALPN for https URIs. Stop it after use.
     */
    public static HttpClient http2(Path home) throws Exception {
        ClientConnector connector = new ClientConnector();
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setSslContext(trusting(home));
        connector.setSslContextFactory(ssl);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
        client.start();
        return client;
    }

    /** A started Jetty client that negotiates HTTP/1.1 or HTTP/2 as offered. */
    public static HttpClient dynamic(Path home) throws Exception {
        ClientConnector connector = new ClientConnector();
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setSslContext(trusting(home));
        connector.setSslContextFactory(ssl);
        ClientConnectionFactory.Info h2 = new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector));
        HttpClient client = new HttpClient(new HttpClientTransportDynamic(connector, h2,
                org.eclipse.jetty.client.transport.HttpClientConnectionFactory.HTTP11));
        client.start();
        return client;
    }
}
