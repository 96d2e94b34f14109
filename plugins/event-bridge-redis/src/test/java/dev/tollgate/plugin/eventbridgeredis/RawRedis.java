package dev.tollgate.plugin.eventbridgeredis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain Redis client for tests, independent of Redisson: one socket, RESP2 commands, blocking.
 * Plays the backend that {@code PUBLISH}es and the operator who looks at {@code PUBSUB NUMSUB}.
 * Replies: simple and bulk strings as {@link String} (bulk as UTF-8), integers as {@link Long},
 * arrays as {@link List}, nil as {@code null}; an error reply throws.
 */
final class RawRedis implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawRedis(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects, failing with a message that says Redis is needed. */
    static RawRedis connect(int port) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            return new RawRedis(socket);
        }
        catch (IOException e) {
            try {
                socket.close();
            }
            catch (IOException ignored) {
                // Reporting the connection failure below.
            }
            throw new IllegalStateException("These tests need a real Redis at 127.0.0.1:" + port
                    + " (see .ci/run: redis-server --port " + port + " --save \"\" --appendonly no): " + e, e);
        }
    }

    /** The shared Redis at 127.0.0.1:6379. */
    static RawRedis shared() {
        return connect(6379);
    }

    Object command(Object... arguments) {
        try {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(("*" + arguments.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (Object argument : arguments) {
                byte[] bytes = argument instanceof byte[] raw ? raw : argument.toString().getBytes(StandardCharsets.UTF_8);
                request.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                request.write(bytes);
                request.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(request.toByteArray());
            out.flush();
            return read();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code PUBLISH}; returns how many subscribers received it. */
    long publish(String channel, Object payload) {
        return (Long) command("PUBLISH", channel, payload);
    }

    /** How many clients are subscribed to exactly this channel. */
    long subscribers(String channel) {
        List<?> reply = (List<?>) command("PUBSUB", "NUMSUB", channel);
        return (Long) reply.get(1);
    }

    /** How many pattern subscriptions the server has, over all clients. */
    long patternSubscriptions() {
        return (Long) command("PUBSUB", "NUMPAT");
    }

    private Object read() throws IOException {
        int type = in.read();
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("Redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                readLine();
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read());
                }
                return items;
            }
            default:
                throw new IOException("unexpected reply type " + type);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("connection closed");
            }
            if (previous == '\r' && next == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(next);
            previous = next;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
