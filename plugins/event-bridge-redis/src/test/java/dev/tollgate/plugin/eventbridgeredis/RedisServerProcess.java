package dev.tollgate.plugin.eventbridgeredis;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis of a test's own, {@code /usr/bin/redis-server} on a free port, that the test may
 * kill and start again on the same port (the shared Redis at 6379 is never stopped). Nothing is
 * persisted: a restarted server is empty, like a Redis that lost its data.
 */
final class RedisServerProcess implements AutoCloseable {
    private static final String SERVER = "/usr/bin/redis-server";

    private final int port;
    private Process process;

    private RedisServerProcess(int port) {
        this.port = port;
    }

    /** A server on a free port, not started yet. */
    static RedisServerProcess onFreePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return new RedisServerProcess(socket.getLocalPort());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    String address() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server and waits until it answers. */
    synchronized RedisServerProcess start() {
        if (!new File(SERVER).canExecute()) {
            throw new IllegalStateException("These tests need " + SERVER + " (Debian package redis-server)");
        }
        try {
            process = new ProcessBuilder(List.of(SERVER, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start " + SERVER, e);
        }
        await("redis-server on port " + port + " answers").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (RawRedis redis = RawRedis.connect(port)) {
                return "PONG".equals(redis.command("PING"));
            }
        });
        return this;
    }

    /** Kills the server at once (SIGKILL), as a crash or a lost network would. */
    synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server on port " + port + " did not stop");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping redis-server", e);
        }
        process = null;
    }

    RawRedis client() {
        return RawRedis.connect(port);
    }

    @Override
    public void close() {
        kill();
    }
}
