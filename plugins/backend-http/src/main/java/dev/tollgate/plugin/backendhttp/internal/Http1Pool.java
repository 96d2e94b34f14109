package dev.tollgate.plugin.backendhttp.internal;

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
    private final ArrayDeque<Http1Connection> idle = new ArrayDeque<>();
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
    void acquire(Waiter waiter) {
        while (true) {
            Http1Connection connection = null;
            boolean connect = false;
            boolean refuse = false;
            synchronized (this) {
                if (closed) {
                    refuse = true;
                }
                else if ((connection = idle.pollFirst()) != null) {
                    active++;
                }
                else if (connections < maxConnections) {
                    waiting.addLast(waiter);
                    connections++;
                    connecting++;
                    connect = true;
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
                connect();
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
                        idle.addFirst(connection);
                        return;
                    }
                }
            }
            if (next == null) {
                connection.close();
                if (connect) {
                    connect();
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
            idle.remove(connection);
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
            connect();
        }
    }

    private void connect() {
        Map<String, Object> context = new HashMap<>(4);
        context.put(Transport.CONTEXT_KEY, Transport.TCP_IP);
        context.put(ClientConnectionFactory.CONTEXT_KEY, factory);
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, Promise.from(this::connected, this::connectFailed));
        if (literal) {
            connector.connect(new InetSocketAddress(host, port), context);
            return;
        }
        try {
            connector.getExecutor().execute(() -> connector.connect(new InetSocketAddress(host, port), context));
        }
        catch (RejectedExecutionException e) {
            connectFailed(e);
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
        return new Http1Connection(endPoint, this, settings);
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

    private void connectFailed(Throwable failure) {
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
            connect();
        }
    }

    /** Closes the idle connections and refuses new requests; busy ones close when released. */
    void close() {
        List<Http1Connection> toClose;
        List<Waiter> toFail;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(idle);
            for (Http1Connection connection : toClose) {
                if (connection.markGone()) {
                    connections--;
                }
            }
            idle.clear();
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
        return idle.size();
    }

    synchronized int queuedCount() {
        return waiting.size();
    }

    @Override
    public synchronized String toString() {
        return "Http1Pool[" + address + ", connections=" + connections + ", active=" + active + ", idle=" + idle.size()
                + ", waiting=" + waiting.size() + "]";
    }
}
