package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An upstream socket on one of the gateway's {@link EventLoop}s, as a Jetty {@code EndPoint} of
 * this plugin's Jetty: fill and flush are the channel's non-blocking read and gathering write, and
 * fill and flush interest are the loop's one-shot readiness. The connection on it (an
 * {@link Http1Connection}) is read by the loop's thread — the thread that reads the client
 * connections on that loop — so an exchange's response is handled where its request was, with no
 * wake-up of another selector. Its writes on the loop's thread wait for the end of the loop's turn
 * ({@link EventLoop#deferToEndOfTurn}).
 */
final class LoopEndPoint extends AbstractEndPoint implements EventLoop.ReadyHandler {
    private final SocketChannel channel;
    private final Executor executor;
    private volatile EventLoop.Registration registration;
    /** Set while connecting; the loop's OP_CONNECT completes it. */
    private volatile Connecting connecting;
    /** A write waits for the end of the loop's turn (set on the loop's thread). */
    private volatile boolean deferred;
    /** The end of the turn is flushing this endpoint: writes go out (loop thread only). */
    private boolean flushingDeferred;
    private final Runnable flushDeferred = this::flushDeferred;

    private LoopEndPoint(Scheduler scheduler, Executor executor, SocketChannel channel) {
        super(scheduler);
        this.channel = channel;
        this.executor = executor;
    }

    /**
     * Opens a connection to {@code address} on {@code loop}: when connected, the endpoint is
     * opened and {@code promise} gets the connection {@code factory} makes on it, opened too.
     *
     * @param executor where a connection's closing is told to it (off the caller's stack)
     */
    static void connect(EventLoop loop, InetSocketAddress address, Scheduler scheduler, Executor executor, long connectTimeoutMillis,
            long idleTimeoutMillis, ConnectionFactory factory, Promise<Connection> promise) {
        SocketChannel channel = null;
        LoopEndPoint endPoint;
        Connecting connecting;
        boolean connected;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            endPoint = new LoopEndPoint(scheduler, executor, channel);
            endPoint.setIdleTimeout(idleTimeoutMillis);
            connecting = endPoint.new Connecting(factory, promise);
            endPoint.connecting = connecting;
            connected = channel.connect(address);
            endPoint.registration = loop.register(channel, endPoint);
        }
        catch (Throwable failure) {
            IO.close(channel);
            promise.failed(failure);
            return;
        }
        // From here the promise is completed once, by the connect's outcome.
        if (connected) {
            connecting.complete();
            return;
        }
        try {
            connecting.scheduleTimeout(connectTimeoutMillis, address);
            endPoint.registration.interest(SelectionKey.OP_CONNECT);
        }
        catch (Throwable failure) {
            connecting.fail(failure);
        }
    }

    /** Makes the connection that runs on an endpoint. */
    @FunctionalInterface
    interface ConnectionFactory {
        Connection newConnection(LoopEndPoint endPoint);
    }

    // --- readiness, on the loop's thread

    @Override
    public void ready(int readyOps) {
        if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
            Connecting pending = connecting;
            if (pending != null) {
                pending.finish();
            }
            return;
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            runOrDispatch(getWriteFlusher().getCallbackInvocationType(), getWriteFlusher()::completeWrite);
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            runOrDispatch(getFillInterest().getCallbackInvocationType(), getFillInterest()::fillable);
        }
    }

    /** Non-blocking callbacks run here, on the loop; others on the plugin's threads. */
    private void runOrDispatch(Invocable.InvocationType type, Runnable task) {
        if (type == Invocable.InvocationType.BLOCKING) {
            executor.execute(task);
        }
        else {
            task.run();
        }
    }

    @Override
    protected void needsFillInterest() {
        registration.interest(SelectionKey.OP_READ);
    }

    /** A write that waits for the turn's end needs no write interest; one the kernel did not take does. */
    @Override
    protected void onIncompleteFlush() {
        if (deferred && !flushingDeferred) {
            return;
        }
        registration.interest(SelectionKey.OP_WRITE);
    }

    /** The end of the loop's turn: the waiting write goes out. */
    private void flushDeferred() {
        deferred = false;
        flushingDeferred = true;
        try {
            getWriteFlusher().completeWrite();
        }
        finally {
            flushingDeferred = false;
        }
    }

    // --- I/O

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        if (isInputShutdown()) {
            return -1;
        }
        int position = BufferUtil.flipToFill(buffer);
        int filled;
        try {
            filled = channel.read(buffer);
            if (filled > 0) {
                notIdle();
            }
            else if (filled == -1) {
                shutdownInput();
            }
        }
        catch (IOException e) {
            shutdownInput();
            filled = -1;
        }
        finally {
            BufferUtil.flipToFlush(buffer, position);
        }
        return filled;
    }

    /**
     * Writes, or — written on the loop's thread during its turn — reports the write incomplete and
     * has the loop complete it at the end of the turn, with the turn's other upstream requests: the
     * backend is woken once for them and reads them in one go.
     */
    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        if (!flushingDeferred) {
            if (deferred) {
                return false;
            }
            EventLoop.Registration registered = registration;
            if (registered != null && registered.loop().deferToEndOfTurn(flushDeferred)) {
                deferred = true;
                return false;
            }
        }
        long flushed;
        try {
            flushed = channel.write(buffers);
        }
        catch (IOException e) {
            throw new EofException(e);
        }
        if (flushed > 0) {
            notIdle();
        }
        for (ByteBuffer buffer : buffers) {
            if (!BufferUtil.isEmpty(buffer)) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected void doShutdownOutput() {
        try {
            channel.shutdownOutput();
        }
        catch (IOException ignored) {
            // Closing follows.
        }
    }

    @Override
    protected void doClose() {
        EventLoop.Registration registered = registration;
        if (registered != null) {
            registered.cancel();
        }
        IO.close(channel);
        super.doClose();
    }

    @Override
    public void onClose(Throwable failure) {
        super.onClose(failure);
        Connection connection = getConnection();
        if (connection != null) {
            // As Jetty's selectors do: the connection hears of it off the closing call's stack
            // (on this one when the threads have stopped).
            try {
                executor.execute(() -> connection.onClose(failure));
            }
            catch (RejectedExecutionException e) {
                connection.onClose(failure);
            }
        }
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen() && super.isOpen();
    }

    @Override
    public Object getTransport() {
        return channel;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        try {
            return channel.getLocalAddress();
        }
        catch (IOException e) {
            return null;
        }
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        try {
            return channel.getRemoteAddress();
        }
        catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toEndPointString() {
        return super.toEndPointString() + "{" + registration + "}";
    }

    /** A connect under way: completed by OP_CONNECT, failed by an error or the timeout, once. */
    private final class Connecting {
        private final ConnectionFactory factory;
        private final Promise<Connection> promise;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile Scheduler.Task timeout;

        Connecting(ConnectionFactory factory, Promise<Connection> promise) {
            this.factory = factory;
            this.promise = promise;
        }

        void scheduleTimeout(long millis, InetSocketAddress address) {
            timeout = getScheduler().schedule(
                    () -> fail(new SocketTimeoutException("connect to " + address + " timed out after " + millis + " ms")), millis,
                    TimeUnit.MILLISECONDS);
        }

        void finish() {
            try {
                if (channel.finishConnect()) {
                    complete();
                }
                else {
                    registration.interest(SelectionKey.OP_CONNECT);
                }
            }
            catch (Throwable failure) {
                fail(failure);
            }
        }

        void complete() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            cancelTimeout();
            connecting = null;
            Connection connection;
            try {
                onOpen();
                connection = factory.newConnection(LoopEndPoint.this);
                setConnection(connection);
                connection.onOpen();
            }
            catch (Throwable failure) {
                // The promise's failure is the only news: the connection is not told of the close.
                setConnection(null);
                close(failure);
                promise.failed(failure);
                return;
            }
            promise.succeeded(connection);
        }

        void fail(Throwable failure) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            cancelTimeout();
            connecting = null;
            EventLoop.Registration registered = registration;
            if (registered != null) {
                registered.cancel();
            }
            IO.close(channel);
            promise.failed(failure);
        }

        private void cancelTimeout() {
            Scheduler.Task task = timeout;
            if (task != null) {
                task.cancel();
            }
        }
    }
}
