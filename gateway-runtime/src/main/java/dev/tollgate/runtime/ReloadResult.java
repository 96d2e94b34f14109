package dev.tollgate.runtime;

import java.time.Instant;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * How a configuration reload ended.
 *
 * @param generation the generation serving afterwards (the new one when applied, else the old)
 * @param time when the reload ended
 * @param applied whether the new configuration replaced the running one
 * @param message what happened, in one line (the error when refused)
 * @param notes what the reload could not apply, each needing a restart (a changed listener, a
 *        plugin jar changed on disk)
 */
public record ReloadResult(long generation, Instant time, boolean applied, String message, List<String> notes) {
    public ReloadResult {
        requireNonNull(time, "time is null");
        requireNonNull(message, "message is null");
        notes = List.copyOf(notes);
    }

    /** {@code applied} or {@code refused}. */
    public String outcome() {
        return applied ? "applied" : "refused";
    }
}
