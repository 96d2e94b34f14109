package dev.tollgate.api.event;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Which channels of an event bus keep history, and how much: each channel matching
 * {@code channels} keeps its last {@code size} events, none older than {@code ttl}, for
 * subscribers to recover what they missed ({@link EventBus#history}).
 *
 * <p>Buses are configured with a list of rules, the first whose pattern matches a channel
 * deciding for it ({@link #forChannel}), written the same way for every bus
 * ({@code gateway.events.local.history} for the in-memory bus, a bridge's {@code history}):
 * <pre>{@code
 * history = [ { channels = "simulation:*", size = 100, ttl = 5m } ]
 * }</pre>
 * and read by {@link #readAll}, so that they are checked alike.
 *
 * @param channels the channels it applies to
 * @param size how many events a channel keeps, 1 to 1,000,000
 * @param ttl how long an event is kept, at least 1 ms and at most 365 days
 * @since 1.2
 */
public record HistoryRule(ChannelGlob channels, int size, Duration ttl) {
    private static final Set<String> KEYS = Set.of("channels", "size", "ttl");
    private static final int DEFAULT_SIZE = 100;
    private static final int MAX_SIZE = 1_000_000;
    private static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    private static final long MAX_TTL_DAYS = 365;

    /** @throws IllegalArgumentException when {@code size} or {@code ttl} is out of range */
    public HistoryRule {
        requireNonNull(channels, "channels is null");
        requireNonNull(ttl, "ttl is null");
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("history size must be between 1 and " + MAX_SIZE + ", got " + size);
        }
        if (ttl.toMillis() < 1 || ttl.toDays() > MAX_TTL_DAYS) {
            throw new IllegalArgumentException("history ttl must be between 1ms and " + MAX_TTL_DAYS + "d, got " + ttl);
        }
    }

    /**
     * Reads the list of rules at {@code key}: blocks with {@code channels} (a glob, required),
     * {@code size} (default 100) and {@code ttl} (default {@code 5m}), and no other keys.
     *
     * @return the rules in the order written
     * @throws InvalidConfigException naming the path of the first bad value, e.g.
     *         {@code gateway.events.local.history[0].size: must be between 1 and 1000000, got 0}
     */
    public static List<HistoryRule> readAll(PluginConfig config, String key) {
        List<HistoryRule> rules = new ArrayList<>();
        for (PluginConfig rule : config.getConfigList(key)) {
            rule.refuseUnknownKeys(KEYS);
            rules.add(new HistoryRule(channels(rule), size(rule), ttl(rule)));
        }
        return List.copyOf(rules);
    }

    /** The rule for {@code channel}: the first of {@code rules} whose {@link #channels} match it. */
    public static Optional<HistoryRule> forChannel(List<HistoryRule> rules, String channel) {
        for (HistoryRule rule : rules) {
            if (rule.channels().matches(channel)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    private static ChannelGlob channels(PluginConfig rule) {
        if (!rule.has("channels")) {
            throw rule.error("channels", "is missing: the channels (a glob pattern) that keep history");
        }
        String channels = rule.getString("channels");
        if (channels.isEmpty()) {
            throw rule.error("channels", "must not be empty");
        }
        try {
            return ChannelGlob.compile(channels);
        }
        catch (IllegalArgumentException e) {
            throw rule.error("channels", e.getMessage());
        }
    }

    private static int size(PluginConfig rule) {
        if (!rule.has("size")) {
            return DEFAULT_SIZE;
        }
        int size = rule.getInt("size");
        if (size < 1 || size > MAX_SIZE) {
            throw rule.error("size", "must be between 1 and " + MAX_SIZE + ", got " + size);
        }
        return size;
    }

    private static Duration ttl(PluginConfig rule) {
        if (!rule.has("ttl")) {
            return DEFAULT_TTL;
        }
        Duration ttl = rule.getDuration("ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw rule.error("ttl", "must be positive");
        }
        if (ttl.toMillis() == 0) {
            throw rule.error("ttl", "must be at least 1ms");
        }
        if (ttl.toDays() > MAX_TTL_DAYS) {
            throw rule.error("ttl", "must be at most " + MAX_TTL_DAYS + "d");
        }
        return ttl;
    }
}
