package dev.tollgate.runtime.io;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A listener whose selectors are {@link EventLoop}s: each accepted connection's endpoint knows the
 * loop that reads it ({@link #eventLoopOf}), where a backend can register its upstream channels.
 */
public final class LoopConnector extends ServerConnector {
    private final Map<ManagedSelector, SelectorEventLoop> loops = new ConcurrentHashMap<>();

    /**
     * @param selectors the number of selectors, -1 for Jetty's default
     */
    public LoopConnector(Server server, int selectors, ConnectionFactory... factories) {
        super(server, -1, selectors, factories);
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SelectorEventLoop loop = loops.computeIfAbsent(selector, s -> new SelectorEventLoop(s, getName() + "/" + loops.size()));
        LoopEndPoint endPoint = new LoopEndPoint(channel, selector, key, getScheduler(), loop);
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }

    /**
     * The loop that reads a server connection: its network endpoint's, under TLS too; {@code null}
     * when it is not on a loop connector's endpoint.
     */
    public static EventLoop eventLoopOf(Connection connection) {
        EndPoint endPoint = connection == null ? null : connection.getEndPoint();
        if (endPoint instanceof SslConnection.SslEndPoint ssl) {
            endPoint = ssl.getSslConnection().getEndPoint();
        }
        return endPoint instanceof LoopEndPoint loop ? loop.loop() : null;
    }

    /** A client connection's socket, with the loop whose selector reads it. */
    private static final class LoopEndPoint extends SocketChannelEndPoint {
        private final SelectorEventLoop loop;

        LoopEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, SelectorEventLoop loop) {
            super(channel, selector, key, scheduler);
            this.loop = loop;
        }

        SelectorEventLoop loop() {
            return loop;
        }
    }
}
