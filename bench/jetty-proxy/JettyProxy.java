import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import java.net.URI;

/**
 * Jetty's own reverse proxy, {@code ProxyHandler.Reverse}, as the stock contender of
 * {@code bench/proxy.sh}: what a Jetty 12.1 user gets from the server Tollgate is built on, tuned
 * as {@code ../shared/PERFORMANCE.md} describes and nothing more.
 *
 * <ul>
 *   <li>one pool of 16 threads, no reserved threads, shared by the server and the proxy's
 *       {@code HttpClient} ({@code setUseServerThreadPool}); one {@code ByteBufferPool} for both;</li>
 *   <li>{@code InvocationType.NON_BLOCKING} on the handler and on the client transport
 *       ({@code HttpClientTransportOverHTTP}, HTTP/1.1 upstream, 64 connections per destination as
 *       Jetty's default), so that Jetty may run callbacks on the selector thread;</li>
 *   <li>fronts: HTTP/1.1 and h2c (prior knowledge or upgrade) on one clear-text port, h2 and
 *       HTTP/1.1 by ALPN on a TLS port.</li>
 * </ul>
 *
 * <p>Run with the source launcher against the distribution's jars and jetty-proxy:
 * <pre>
 * java -cp 'distribution/target/gateway/lib/*:jetty-proxy-12.1.12.jar' bench/jetty-proxy/JettyProxy.java \
 *     http://127.0.0.1:19000 19300 19301 KEYSTORE.p12 PASSWORD
 * </pre>
 * Logging goes through SLF4J to Logback with the configuration found on the class path (the
 * gateway's, when its jar is there: the same logger levels as the gateway). It prints
 * {@code started} once both ports are bound and runs until killed.
 */
public final class JettyProxy {
    private static final int THREADS = 16;

    private JettyProxy() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: JettyProxy BACKEND-URL HTTP-PORT HTTPS-PORT KEYSTORE.p12 PASSWORD");
            System.exit(2);
        }
        URI backend = URI.create(args[0]);
        int httpPort = Integer.parseInt(args[1]);
        int httpsPort = Integer.parseInt(args[2]);

        QueuedThreadPool threads = new QueuedThreadPool(THREADS, THREADS);
        threads.setReservedThreads(0);
        threads.setName("proxy");
        ByteBufferPool buffers = new ArrayByteBufferPool();
        Server server = new Server(threads, new ScheduledExecutorScheduler("proxy-scheduler", false), buffers);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector clearText = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        clearText.setHost("127.0.0.1");
        clearText.setPort(httpPort);
        clearText.setAcceptQueueSize(4096);
        server.addConnector(clearText);

        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(args[3]);
        ssl.setKeyStorePassword(args[4]);
        ssl.setKeyStoreType("PKCS12");
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        ssl.setUseCipherSuitesOrder(true);
        ssl.setSniRequired(false);
        HttpConfiguration https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer(false));
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        ServerConnector tls = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
                new HTTP2ServerConnectionFactory(https), new HttpConnectionFactory(https));
        tls.setHost("127.0.0.1");
        tls.setPort(httpsPort);
        tls.setAcceptQueueSize(4096);
        server.addConnector(tls);

        ProxyHandler.Reverse proxy = new ProxyHandler.Reverse(request -> HttpURI.build(request.getHttpURI())
                .scheme(backend.getScheme()).host(backend.getHost()).port(backend.getPort())) {
            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }

            @Override
            protected HttpClient newHttpClient() {
                ClientConnector connector = new ClientConnector();
                connector.setSelectors(1);
                connector.setExecutor(threads);
                connector.setByteBufferPool(buffers);
                HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
                transport.setInvocationType(InvocationType.NON_BLOCKING);
                HttpClient client = new HttpClient(transport);
                client.setByteBufferPool(buffers);
                return client;
            }
        };
        proxy.setUseServerThreadPool(true);
        server.setHandler(proxy);
        server.start();
        System.out.println("started: http://127.0.0.1:" + clearText.getLocalPort() + " (HTTP/1.1, h2c), https://127.0.0.1:"
                + tls.getLocalPort() + " (h2, HTTP/1.1) -> " + backend + "; " + Runtime.version());
        server.join();
    }
}
