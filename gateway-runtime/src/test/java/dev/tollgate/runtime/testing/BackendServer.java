package dev.tollgate.runtime.testing;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 backend for tests, on an ephemeral port: it answers its name with a
 * configurable status (and {@code /health} with its own), optionally after a delay (without
 * holding a thread), or holds requests until released. It can be stopped and started again on
 * the same port, to play an instance that dies and comes back.
 */
public final class BackendServer implements AutoCloseable {
    private final String name;
    private final Server server = new Server();
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
        BackendServer backend = new BackendServer(name);
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
        ServerConnector connector = new ServerConnector(server);
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

    /** {@code http://127.0.0.1:<port>} */
    public String url() {
        return "http://127.0.0.1:" + port;
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
