package dev.tollgate.plugin.ratelimit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The Redis servers of these tests: the shared one at 127.0.0.1:6379 (never flushed; each test
 * uses policy names of its own), and {@link Server}, a {@code redis-server} of a test's own on a
 * free port that it may kill, pause, slow and restart. Commands go through {@code redis-cli}.
 */
final class Redis {
    static final String SHARED_ADDRESS = "redis://127.0.0.1:6379";
    private static final String SERVER = "/usr/bin/redis-server";
    private static final String CLI = "/usr/bin/redis-cli";

    private Redis() {
    }

    /** Fails (never skips) with a clear message when the shared Redis is not running. */
    static void requireShared() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
        }
        catch (IOException e) {
            throw new AssertionError("These tests need a real Redis at 127.0.0.1:6379 (start one with "
                    + "`redis-server --save '' --appendonly no`): " + e.getMessage(), e);
        }
    }

    /** A policy name no other test run uses. */
    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Runs a command with redis-cli against the server on {@code port} and returns its output, trimmed. */
    static String command(int port, String... arguments) {
        List<String> command = new ArrayList<>(List.of(CLI, "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("redis-cli did not finish: " + command);
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot run " + CLI, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a command with redis-cli without waiting for it (e.g. a {@code DEBUG SLEEP}). */
    static Process startCommand(int port, String... arguments) {
        List<String> command = new ArrayList<>(List.of(CLI, "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(arguments));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot run " + CLI, e);
        }
    }

    /** A {@code redis-server} of the test's own on a free port; nothing persisted, DEBUG enabled. */
    static final class Server implements AutoCloseable {
        private final int port;
        private final List<String> extraArguments;
        private Process process;

        private Server(int port, List<String> extraArguments) {
            this.port = port;
            this.extraArguments = List.copyOf(extraArguments);
        }

        static Server onFreePort() {
            return new Server(freePort(), List.of());
        }

        /** A cluster-enabled node keeping its cluster state in {@code directory}, not started. */
        static Server clusterNodeOnFreePort(java.nio.file.Path directory) {
            int port = freePort();
            return new Server(port, List.of("--dir", directory.toString(), "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes-" + port + ".conf"));
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
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
        synchronized Server start() {
            if (!new File(SERVER).canExecute()) {
                throw new IllegalStateException("These tests need " + SERVER + " (Debian package redis-server)");
            }
            try {
                List<String> command = new ArrayList<>(List.of(SERVER, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"));
                command.addAll(extraArguments);
                process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot start " + SERVER, e);
            }
            await("redis-server on port " + port + " answers").atMost(Duration.ofSeconds(20))
                    .until(() -> "PONG".equals(command(port, "PING")));
            return this;
        }

        /** Kills the server at once (SIGKILL), as a crash would. */
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
                throw new IllegalStateException(e);
            }
            process = null;
        }

        @Override
        public void close() {
            kill();
        }
    }
}
