package dev.tollgate.runtime.server;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import java.util.concurrent.TimeUnit;

/**
 * TLS connections with a deadline for the handshake: from the accept, the handshake must
 * complete within the timeout, however steadily its bytes trickle; otherwise the connection is
 * closed. Jetty's idle timeout alone lets a client that sends a byte now and then hold a
 * connection (and the handshake's buffers) for ever.
 */
final class HandshakeTimeoutSslConnectionFactory extends SslConnectionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeTimeoutSslConnectionFactory.class);

    private final long timeoutNanos;

    HandshakeTimeoutSslConnectionFactory(SslContextFactory.Server sslContextFactory, String nextProtocol, long timeoutNanos) {
        super(sslContextFactory, nextProtocol);
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    protected SslConnection newSslConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
        SslConnection connection = super.newSslConnection(connector, endPoint, engine);
        Deadline deadline = new Deadline(endPoint);
        connection.addHandshakeListener(deadline);
        deadline.task = connector.getScheduler().schedule(deadline, timeoutNanos, TimeUnit.NANOSECONDS);
        return connection;
    }

    private final class Deadline implements Runnable, SslHandshakeListener {
        private final EndPoint endPoint;
        private volatile boolean done;
        private volatile Scheduler.Task task;

        Deadline(EndPoint endPoint) {
            this.endPoint = endPoint;
        }

        @Override
        public void handshakeSucceeded(Event event) {
            finished();
        }

        @Override
        public void handshakeFailed(Event event, Throwable failure) {
            finished();
        }

        private void finished() {
            done = true;
            Scheduler.Task pending = task;
            if (pending != null) {
                pending.cancel();
            }
        }

        @Override
        public void run() {
            if (!done && endPoint.isOpen()) {
                LOG.debug("Closing {}: TLS handshake not done within {} ms", endPoint, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                endPoint.close();
            }
        }
    }
}
