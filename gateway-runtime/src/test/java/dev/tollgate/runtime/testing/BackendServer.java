package dev.tollgate.runtime.testing;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 backend for tests, on an ephemeral port: it answers its name with a
 * configurable status (and {@code /health} with its own), optionally after a delay (without
 * holding a thread), or holds requests until released. It can be stopped and started again on
 * the same port, to play an instance that dies and comes back. It speaks clear text, or TLS
 * requiring a client certificate ({@link #startMutualTls}).
 */
public final class BackendServer implements AutoCloseable {
    private final String name;
    private final Server server = new Server();
    /** TLS with a required client certificate; null for clear text. */
    private SslContextFactory.Server tls;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int status = 200;
    private volatile int healthStatus = 200;
    private volatile long delayMillis;
    private volatile int port;

    private BackendServer(String name) {
        this.name = name;
    }

    /** A backend answering {@code name} with 200. */
    public static BackendServer start(String name) throws Exception {
        return start(name, null);
    }

    /**
     * A backend answering {@code name} with 200 over TLS (ALPN http/1.1) with the server identity
     * of {@code certificates}, refusing clients without a certificate its authority issued.
     */
    public static BackendServer startMutualTls(String name, TestCertificates certificates) throws Exception {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(certificates.server().toString());
        ssl.setKeyStorePassword(TestCertificates.PASSWORD);
        ssl.setKeyStoreType("PKCS12");
        ssl.setTrustStorePath(certificates.authority().toString());
        ssl.setTrustStorePassword(TestCertificates.PASSWORD);
        ssl.setTrustStoreType("PKCS12");
        ssl.setNeedClientAuth(true);
        return start(name, ssl);
    }

    private static BackendServer start(String name, SslContextFactory.Server tls) throws Exception {
        BackendServer backend = new BackendServer(name);
        backend.tls = tls;
        backend.server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (Request.getPathInContext(request).equals("/health")) {
                    response.setStatus(backend.healthStatus);
                    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
                    return true;
                }
                backend.requests.incrementAndGet();
                Runnable answer = () -> {
                    response.setStatus(backend.status);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                    response.write(true, BufferUtil.toBuffer(backend.name), callback);
                };
                long delay = backend.delayMillis;
                if (delay > 0) {
                    backend.timer.schedule(answer, delay, TimeUnit.MILLISECONDS);
                }
                else {
                    answer.run();
                }
                return true;
            }
        });
        backend.listen(0);
        return backend;
    }

    private void listen(int requestedPort) throws Exception {
        ServerConnector connector;
        if (tls == null) {
            connector = new ServerConnector(server);
        }
        else {
            HttpConfiguration configuration = new HttpConfiguration();
            configuration.addCustomizer(new SecureRequestCustomizer(false));
            HttpConnectionFactory http11 = new HttpConnectionFactory(configuration);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("http/1.1");
            alpn.setDefaultProtocol(http11.getProtocol());
            connector = new ServerConnector(server, new SslConnectionFactory(tls, alpn.getProtocol()), alpn, http11);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(requestedPort);
        connector.setReuseAddress(true);
        server.setConnectors(new org.eclipse.jetty.server.Connector[] {connector});
        server.start();
        port = connector.getLocalPort();
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>}, or {@code https://…} for a TLS backend. */
    public String url() {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + port;
    }

    /** Requests answered (or being answered) so far, {@code /health} not counted. */
    public int requests() {
        return requests.get();
    }

    public BackendServer status(int newStatus) {
        status = newStatus;
        return this;
    }

    public BackendServer healthStatus(int newStatus) {
        healthStatus = newStatus;
        return this;
    }

    /** Answers after this delay; a long one holds requests (they count as in flight). */
    public BackendServer delay(long millis) {
        delayMillis = millis;
        return this;
    }

    /** Stops listening (connections are refused) while keeping the port number. */
    public void stop() throws Exception {
        server.stop();
    }

    /** Listens again on the same port. */
    public void restart() throws Exception {
        listen(port);
    }

    @Override
    public void close() {
        try {
            server.stop();
        }
        catch (Exception e) {
            throw new IllegalStateException("stopping backend " + name + " failed", e);
        }
        finally {
            timer.shutdownNow();
        }
    }
}
