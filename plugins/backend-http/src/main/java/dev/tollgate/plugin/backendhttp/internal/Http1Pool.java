package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.Promise;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * The HTTP/1.1 connections to one instance: idle ones kept most-recently-used first (the warm
 * connection is taken again), a new one opened while fewer than the maximum are open, and
 * requests queued (up to a bound) while all are busy. Acquiring and releasing are constant-time
 * steps under one short lock; connecting, and handing a connection to a caller, happen outside it.
 *
 * <p>A request served on one of the gateway's event loops (its client connection's,
 * {@code Exchange.Connection.eventLoop()}) takes an idle connection of that loop, or opens one
 * there: the connection is then read by the thread that reads the client, and the response needs
 * no other selector's wake-up. Idle connections are kept per loop; the maximum is per instance, for
 * all loops together, and when it is reached a request takes an idle connection of another loop
 * before it waits. Requests without a loop use the service's own {@code ClientConnector}.
 *
 * <p>A request that finds no idle connection opens one if the maximum allows, and waits in the
 * queue for the first connection that becomes free — its own new one or a released one, whichever
 * comes first. A failed connect fails the request that waits longest (the instance is likely
 * down; the retry loop moves it elsewhere) and starts another connect if more requests wait than
 * connects are under way.
 *
 * <p>Thread-safe.
 */
final class Http1Pool {
    /** Who waits for a connection. */
    interface Waiter {
        /**
         * A connection for the waiter's request; returns false when the waiter no longer wants one
         * (its exchange ended), and the pool takes it back.
         */
        boolean connectionReady(Http1Connection connection);

        /** No connection will come: connect failure, full queue, closed pool. */
        void connectionFailed(Throwable failure);
    }

    private final ClientConnector connector;
    private final String host;
    private final int port;
    private final boolean literal;
    private final String address;
    private final Http1Connection.Settings settings;
    private final int maxConnections;
    private final int maxQueued;
    private final ClientConnectionFactory factory = this::newConnection;
    /** Idle connections by the loop they are on (the key {@code null}: the service's own connector). */
    private final Map<EventLoop, ArrayDeque<Http1Connection>> idle = new IdentityHashMap<>();
    private int idleCount;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    /** Open and opening connections. */
    private int connections;
    private int connecting;
    private int active;
    private boolean closed;

    /**
     * @param host the instance's host name or IP address (an IPv6 one without brackets); a name is
     *        resolved for each new connection, off the request's thread
     */
    Http1Pool(ClientConnector connector, String host, int port, Http1Connection.Settings settings, int maxConnections, int maxQueued) {
        this.connector = requireNonNull(connector, "connector is null");
        this.host = requireNonNull(host, "host is null");
        this.port = port;
        this.literal = isIpLiteral(host);
        this.address = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        this.settings = requireNonNull(settings, "settings is null");
        this.maxConnections = maxConnections;
        this.maxQueued = maxQueued;
    }

    /** Hands a connection to {@code waiter}, now or when one is free; or tells it none will come. */
    void acquire(Waiter waiter, EventLoop loop) {
        while (true) {
            Http1Connection connection = null;
            boolean connect = false;
            boolean refuse = false;
            synchronized (this) {
                if (closed) {
                    refuse = true;
                }
                else if ((connection = pollIdle(loop)) != null) {
                    active++;
                }
                else if (connections < maxConnections) {
                    waiting.addLast(waiter);
                    connections++;
                    connecting++;
                    connect = true;
                }
                else if ((connection = pollIdleAnywhere()) != null) {
                    active++;
                }
                else if (waiting.size() - connecting < maxQueued) {
                    waiting.addLast(waiter);
                    return;
                }
                else {
                    refuse = true;
                }
            }
            if (refuse) {
                waiter.connectionFailed(closedOrFull());
                return;
            }
            if (connect) {
                connect(loop);
                return;
            }
            if (connection.activate()) {
                if (!waiter.connectionReady(connection)) {
                    release(connection, true);
                }
                return;
            }
            // It closed while idle, just now: count it out and take another.
            synchronized (this) {
                active--;
                if (connection.markGone()) {
                    connections--;
                }
            }
        }
    }

    /** An idle connection on {@code loop}, the most recently used; under the lock. */
    private Http1Connection pollIdle(EventLoop loop) {
        if (idleCount == 0) {
            return null;
        }
        ArrayDeque<Http1Connection> connections = idle.get(loop);
        Http1Connection connection = connections == null ? null : connections.pollFirst();
        if (connection != null) {
            idleCount--;
        }
        return connection;
    }

    /** An idle connection on any loop; under the lock. */
    private Http1Connection pollIdleAnywhere() {
        if (idleCount == 0) {
            return null;
        }
        for (ArrayDeque<Http1Connection> connections : idle.values()) {
            Http1Connection connection = connections.pollFirst();
            if (connection != null) {
                idleCount--;
                return connection;
            }
        }
        return null;
    }

    private synchronized RejectedExecutionException closedOrFull() {
        return new RejectedExecutionException(closed ? "the connections to " + address + " are closed"
                : "too many requests waiting for a connection to " + address + " (pool.max-queued-requests-per-instance = "
                + maxQueued + ")");
    }

    /** A waiter that gave up before it got a connection (its exchange ended). */
    synchronized void cancel(Waiter waiter) {
        waiting.remove(waiter);
    }

    /**
     * A connection's exchange is over: it serves the longest waiter next, or waits idle; or, not
     * {@code reusable}, it is closed (by the caller) and a waiter may get a new one.
     */
    void release(Http1Connection connection, boolean reusable) {
        boolean keep = reusable && !connection.isClosed();
        while (true) {
            Waiter next = null;
            boolean connect = false;
            synchronized (this) {
                if (!keep || closed) {
                    active--;
                    if (connection.markGone()) {
                        connections--;
                    }
                    if (!closed && waiting.size() > connecting && connections < maxConnections) {
                        connections++;
                        connecting++;
                        connect = true;
                    }
                }
                else {
                    next = waiting.pollFirst();
                    if (next == null) {
                        active--;
                        idle.computeIfAbsent(connection.loop(), loop -> new ArrayDeque<>()).addFirst(connection);
                        idleCount++;
                        return;
                    }
                }
            }
            if (next == null) {
                connection.close();
                if (connect) {
                    connect(connection.loop());
                }
                return;
            }
            if (!connection.activate()) {
                // Closed meanwhile: the waiter waits on, and the connection is counted out.
                keep = false;
                synchronized (this) {
                    waiting.addFirst(next);
                }
                continue;
            }
            if (next.connectionReady(connection)) {
                return;
            }
            // That waiter had gone: offer the connection to the next one.
        }
    }

    /** A connection closed (by either side, or an idle timeout); it no longer counts. */
    void closed(Http1Connection connection) {
        boolean connect = false;
        synchronized (this) {
            ArrayDeque<Http1Connection> loopIdle = idle.get(connection.loop());
            if (loopIdle != null && loopIdle.remove(connection)) {
                idleCount--;
            }
            if (!connection.markGone()) {
                return;
            }
            connections--;
            if (!closed && waiting.size() > connecting && connections < maxConnections) {
                connections++;
                connecting++;
                connect = true;
            }
        }
        if (connect) {
            connect(connection.loop());
        }
    }

    /**
     * Opens a connection on {@code loop}, or with the service's connector when it is {@code null};
     * a host name is resolved on the connector's executor, off the caller's thread.
     */
    private void connect(EventLoop loop) {
        Promise<Connection> promise = Promise.from(this::connected, failure -> connectFailed(failure, loop));
        Runnable connect;
        if (loop != null) {
            connect = () -> LoopEndPoint.connect(loop, new InetSocketAddress(host, port), connector.getScheduler(), connector.getExecutor(),
                    connector.getConnectTimeout().toMillis(), settings.idleTimeoutMillis(),
                    endPoint -> new Http1Connection(endPoint, this, settings, loop), promise);
        }
        else {
            Map<String, Object> context = new HashMap<>(4);
            context.put(Transport.CONTEXT_KEY, Transport.TCP_IP);
            context.put(ClientConnectionFactory.CONTEXT_KEY, factory);
            context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, promise);
            connect = () -> connector.connect(new InetSocketAddress(host, port), context);
        }
        if (literal) {
            connect.run();
            return;
        }
        try {
            connector.getExecutor().execute(connect);
        }
        catch (RejectedExecutionException e) {
            connectFailed(e, loop);
        }
    }

    /** An IPv4 dotted quad or an IPv6 address: no name to resolve. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                dots++;
            }
            else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }

    private Connection newConnection(EndPoint endPoint, Map<String, Object> context) {
        return new Http1Connection(endPoint, this, settings, null);
    }

    private void connected(Connection opened) {
        Http1Connection connection = (Http1Connection) opened;
        boolean stale;
        synchronized (this) {
            connecting--;
            active++;
            stale = closed;
        }
        release(connection, !stale);
    }

    private void connectFailed(Throwable failure, EventLoop loop) {
        Waiter failed;
        boolean connect = false;
        synchronized (this) {
            connecting--;
            connections--;
            failed = waiting.pollFirst();
            if (!closed && waiting.size() > connecting && connections < maxConnections) {
                connections++;
                connecting++;
                connect = true;
            }
        }
        if (failed != null) {
            failed.connectionFailed(failure);
        }
        if (connect) {
            connect(loop);
        }
    }

    /** Closes the idle connections and refuses new requests; busy ones close when released. */
    void close() {
        List<Http1Connection> toClose;
        List<Waiter> toFail;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(idleCount);
            for (ArrayDeque<Http1Connection> loopIdle : idle.values()) {
                toClose.addAll(loopIdle);
            }
            for (Http1Connection connection : toClose) {
                if (connection.markGone()) {
                    connections--;
                }
            }
            idle.clear();
            idleCount = 0;
            toFail = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Http1Connection connection : toClose) {
            connection.close();
        }
        RejectedExecutionException failure = new RejectedExecutionException("the connections to " + address + " are closed");
        for (Waiter waiter : toFail) {
            waiter.connectionFailed(failure);
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized int activeCount() {
        return active;
    }

    synchronized int idleCount() {
        return idleCount;
    }

    synchronized int queuedCount() {
        return waiting.size();
    }

    @Override
    public synchronized String toString() {
        return "Http1Pool[" + address + ", connections=" + connections + ", active=" + active + ", idle=" + idleCount
                + ", waiting=" + waiting.size() + "]";
    }
}
