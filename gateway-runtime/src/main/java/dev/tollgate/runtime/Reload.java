package dev.tollgate.runtime;

import dev.tollgate.runtime.config.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code bin/gateway reload}: finds the running gateway through {@code <data>/gateway.pid},
 * sends it {@code SIGHUP}, and waits for the outcome it writes to {@code <data>/gateway.reload}
 * ({@link ReloadStatusFile}), so the user learns at once whether the new configuration was
 * applied or why not. Also the PID file's life on the running side.
 */
final class Reload {
    private static final Logger LOG = LoggerFactory.getLogger(Reload.class);
    private static final Duration WAIT = Duration.ofSeconds(60);

    private Reload() {
    }

    /** Writes this process' id to {@code <data>/gateway.pid}; null (logged) when it cannot. */
    static Path writePidFile(Path dataDirectory) {
        Path file = dataDirectory.resolve(ReloadStatusFile.PID);
        try {
            Files.createDirectories(dataDirectory);
            Files.writeString(file, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
            return file;
        }
        catch (IOException e) {
            LOG.warn("Cannot write {} ({}): bin/gateway reload will not find this gateway; send SIGHUP yourself", file, e.toString());
            return null;
        }
    }

    /** Removes the PID file if it still names this process. */
    static void deletePidFile(Path file) {
        if (file == null) {
            return;
        }
        try {
            if (readPid(file).filter(pid -> pid == ProcessHandle.current().pid()).isPresent()) {
                Files.deleteIfExists(file);
            }
        }
        catch (IOException e) {
            LOG.debug("Cannot delete {}", file, e);
        }
    }

    /**
     * Sends {@code SIGHUP} to the gateway running with {@code config}'s data directory and prints
     * the outcome of the reload.
     *
     * @return 0 when the configuration was applied, 1 when it was refused or no gateway answered
     */
    static int send(GatewayConfig config, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Path data = config.dataDirectory();
        Path pidFile = data.resolve(ReloadStatusFile.PID);
        Optional<Long> pid = readPid(pidFile);
        if (pid.isEmpty()) {
            err.println("gateway: no running gateway: " + pidFile + " is missing (is it running with this home and data-directory?)");
            return 1;
        }
        if (ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
            err.println("gateway: no running gateway: process " + pid.get() + " from " + pidFile + " is gone");
            return 1;
        }
        Instant before = ReloadStatusFile.read(data).map(ReloadResult::time).orElse(Instant.EPOCH);
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid.get())).inheritIO().start();
        if (kill.waitFor() != 0) {
            err.println("gateway: cannot signal process " + pid.get() + " (kill exited with " + kill.exitValue() + ")");
            return 1;
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ReloadResult> result = ReloadStatusFile.read(data).filter(read -> read.time().isAfter(before));
            if (result.isPresent()) {
                ReloadResult outcome = result.get();
                (outcome.applied() ? out : err).println("gateway: reload " + outcome.outcome() + ": " + outcome.message());
                for (String note : outcome.notes()) {
                    out.println("gateway: needs a restart: " + note);
                }
                return outcome.applied() ? 0 : 1;
            }
            Thread.sleep(100);
        }
        err.println("gateway: sent SIGHUP to process " + pid.get() + " but saw no outcome within " + WAIT.toSeconds()
                + " s; see its log and /health");
        return 1;
    }

    private static Optional<Long> readPid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        }
        catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
