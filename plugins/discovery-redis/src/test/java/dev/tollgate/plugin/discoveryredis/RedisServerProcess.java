package dev.tollgate.plugin.discoveryredis;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} of the test's own, on a free port, without persistence, that a
 * test may kill and start again (the shared Redis is never stopped).
 */
final class RedisServerProcess implements AutoCloseable {
    private static final String BINARY = "/usr/bin/redis-server";

    private final int port;
    private Process process;

    private RedisServerProcess(int port) {
        this.port = port;
    }

    /** A server on a free port, not started. */
    static RedisServerProcess onFreePort() throws IOException {
        if (!new File(BINARY).canExecute()) {
            throw new AssertionError("This test needs " + BINARY + " to start a Redis of its own");
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return new RedisServerProcess(socket.getLocalPort());
        }
    }

    int port() {
        return port;
    }

    String address() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server and waits until it accepts connections. */
    synchronized RedisServerProcess start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        process = new ProcessBuilder(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(this::accepting);
        return this;
    }

    /** Kills the server (SIGKILL, as a crash would) and waits until it is gone. */
    synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("redis-server on port " + port + " did not stop");
        }
        process = null;
        await().atMost(Duration.ofSeconds(10)).until(() -> !accepting());
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private boolean accepting() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }
}
