package dev.tollgate.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code <data>/gateway.reload}: the outcome of the last reload, written by the running gateway
 * and read by {@code bin/gateway reload} to tell the user what became of the signal it sent.
 * Also {@code <data>/gateway.pid}, by which that command finds the running gateway.
 */
final class ReloadStatusFile {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadStatusFile.class);
    static final String STATUS = "gateway.reload";
    static final String PID = "gateway.pid";

    private ReloadStatusFile() {
    }

    /** Writes the outcome atomically (readers never see half a file); failures are logged. */
    static void write(Path dataDirectory, ReloadResult result) {
        Properties properties = new Properties();
        properties.setProperty("generation", Long.toString(result.generation()));
        properties.setProperty("time", result.time().toString());
        properties.setProperty("outcome", result.outcome());
        properties.setProperty("message", result.message());
        properties.setProperty("notes", String.join("\n", result.notes()));
        try {
            Files.createDirectories(dataDirectory);
            Path temporary = Files.createTempFile(dataDirectory, STATUS, ".tmp");
            try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                properties.store(out, "last configuration reload");
            }
            try {
                Files.move(temporary, dataDirectory.resolve(STATUS), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, dataDirectory.resolve(STATUS), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (IOException e) {
            LOG.warn("Cannot write the reload status to {}: {}", dataDirectory.resolve(STATUS), e.toString());
        }
    }

    /** The last outcome written, if any. */
    static Optional<ReloadResult> read(Path dataDirectory) {
        Path file = dataDirectory.resolve(STATUS);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
            String notes = properties.getProperty("notes", "");
            List<String> noteList = notes.isEmpty() ? List.of() : Arrays.asList(notes.split("\n"));
            return Optional.of(new ReloadResult(Long.parseLong(properties.getProperty("generation", "0")),
                    Instant.parse(properties.getProperty("time")), "applied".equals(properties.getProperty("outcome")),
                    properties.getProperty("message", ""), noteList));
        }
        catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
