package dev.tollgate.plugin.eventbridgeredis.internal;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * Which channels keep history and how much: the last {@code size} events, none older than
 * {@code ttl}; the same rule as the in-memory bus's ({@code gateway.events.local.history}).
 */
public record HistoryRule(GlobPattern channels, int size, Duration ttl) {
    public HistoryRule {
        requireNonNull(channels, "channels is null");
        requireNonNull(ttl, "ttl is null");
        if (size < 1) {
            throw new IllegalArgumentException("history size must be at least 1");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("history ttl must be positive");
        }
    }
}
