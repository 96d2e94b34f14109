package dev.tollgate.plugin.discoveryredis;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} of the test's own, on a free port, without persistence, that a
 * test may kill and start again (the shared Redis is never stopped): a plain server, a Sentinel,
 * or a cluster node.
 */
final class RedisServerProcess implements AutoCloseable {
    private static final String BINARY = "/usr/bin/redis-server";

    private final int port;
    private final List<String> arguments;
    private Process process;

    private RedisServerProcess(int port, List<String> arguments) {
        this.port = port;
        this.arguments = List.copyOf(arguments);
    }

    /** A plain server on a free port, not started. */
    static RedisServerProcess onFreePort() throws IOException {
        int port = freePort();
        return new RedisServerProcess(port, List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"));
    }

    /** A cluster-enabled node on a free port keeping its cluster state in {@code directory}, not started. */
    static RedisServerProcess clusterNodeOnFreePort(Path directory) throws IOException {
        int port = freePort();
        return new RedisServerProcess(port, List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf"));
    }

    /** A Sentinel on a free port monitoring {@code masterName} at {@code master}, not started. */
    static RedisServerProcess sentinelOnFreePort(Path directory, String masterName, RedisServerProcess master) throws IOException {
        int port = freePort();
        Path config = directory.resolve("sentinel-" + port + ".conf");
        Files.writeString(config, """
                port %d
                bind 127.0.0.1
                sentinel monitor %s 127.0.0.1 %d 1
                """.formatted(port, masterName, master.port()));
        return new RedisServerProcess(port, List.of(BINARY, config.toString(), "--sentinel"));
    }

    int port() {
        return port;
    }

    String address() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server and waits until it accepts connections. */
    synchronized RedisServerProcess start() throws IOException {
        if (!new File(BINARY).canExecute()) {
            throw new AssertionError("This test needs " + BINARY + " to start a Redis of its own");
        }
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        process = new ProcessBuilder(new ArrayList<>(arguments))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(this::accepting);
        return this;
    }

    /** Kills the server (SIGKILL, as a crash would) and waits until it is gone. */
    synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("redis-server on port " + port + " did not stop");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping redis-server on port " + port, e);
        }
        process = null;
        await().atMost(Duration.ofSeconds(10)).until(() -> !accepting());
    }

    @Override
    public void close() {
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
