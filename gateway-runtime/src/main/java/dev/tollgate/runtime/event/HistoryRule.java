package dev.tollgate.runtime.event;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * Which channels keep history and how much: the last {@code size} events, none older than
 * {@code ttl}.
 */
public record HistoryRule(GlobPattern channels, int size, Duration ttl) {
    public HistoryRule {
        requireNonNull(channels, "channels is null");
        requireNonNull(ttl, "ttl is null");
        if (size < 1) {
            throw new IllegalArgumentException("history size must be at least 1");
        }
    }
}
