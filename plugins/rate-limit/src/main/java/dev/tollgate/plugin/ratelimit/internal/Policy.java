package dev.tollgate.plugin.ratelimit.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One configured limit: what it counts ({@code key}), how many requests ({@code limit}) per
 * {@code window}, with which algorithm, and which policy stands in for requests without its key.
 *
 * @param burst the token bucket's size; equal to {@code limit} for the sliding window
 */
public record Policy(String name, List<KeySource> key, long limit, Duration window, Algorithm algorithm, long burst,
        Optional<String> fallback) {

    public Policy {
        requireNonNull(name, "name is null");
        key = List.copyOf(requireNonNull(key, "key is null"));
        requireNonNull(window, "window is null");
        requireNonNull(algorithm, "algorithm is null");
        requireNonNull(fallback, "fallback is null");
    }

    /** The window in whole seconds, at least 1, as the {@code w} parameter of {@code RateLimit-Policy}. */
    public long windowSeconds() {
        return Math.max(1, (window.toMillis() + 999) / 1000);
    }

    public enum Algorithm {
        SLIDING_WINDOW("sliding-window"),
        TOKEN_BUCKET("token-bucket");

        private final String configName;

        Algorithm(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        static Optional<Algorithm> parse(String text) {
            for (Algorithm algorithm : values()) {
                if (algorithm.configName.equals(text)) {
                    return Optional.of(algorithm);
                }
            }
            return Optional.empty();
        }
    }
}
