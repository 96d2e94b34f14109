package dev.tollgate.api.event;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.MapPluginConfig;
import dev.tollgate.api.PluginConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class HistoryRuleTest {

    @Test
    void readsTheRulesInOrderWithDefaults() {
        List<HistoryRule> rules = HistoryRule.readAll(config(
                Map.of("channels", "simulation:*", "size", 10, "ttl", Duration.ofSeconds(30)),
                Map.of("channels", "*")), "history");

        assertThat(rules).containsExactly(
                new HistoryRule(ChannelGlob.compile("simulation:*"), 10, Duration.ofSeconds(30)),
                new HistoryRule(ChannelGlob.compile("*"), 100, Duration.ofMinutes(5)));
    }

    @Test
    void anEmptyListIsNoHistory() {
        assertThat(HistoryRule.readAll(config(), "history")).isEmpty();
    }

    @Test
    void theFirstMatchingRuleDecides() {
        HistoryRule simulation = new HistoryRule(ChannelGlob.compile("simulation:*"), 10, Duration.ofSeconds(30));
        HistoryRule everything = new HistoryRule(ChannelGlob.compile("*"), 100, Duration.ofMinutes(5));
        List<HistoryRule> rules = List.of(simulation, everything);

        assertThat(HistoryRule.forChannel(rules, "simulation:7")).contains(simulation);
        assertThat(HistoryRule.forChannel(rules, "chat:1")).contains(everything);
        assertThat(HistoryRule.forChannel(List.of(simulation), "chat:1")).isEmpty();
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> mistakes() {
        return Stream.of(
                arguments(rule("channels", "a:*", "sise", 5), "gateway.events.local.history[0].sise", "unknown setting (known: channels, size, ttl)"),
                arguments(rule("size", 5), "gateway.events.local.history[0].channels", "is missing"),
                arguments(rule("channels", ""), "gateway.events.local.history[0].channels", "must not be empty"),
                arguments(rule("channels", "[z-a]"), "gateway.events.local.history[0].channels", "cannot match"),
                arguments(rule("channels", "a:*", "size", 0), "gateway.events.local.history[0].size", "must be between 1 and 1000000, got 0"),
                arguments(rule("channels", "a:*", "size", 1_000_001), "gateway.events.local.history[0].size", "must be between 1 and 1000000"),
                arguments(rule("channels", "a:*", "ttl", Duration.ZERO), "gateway.events.local.history[0].ttl", "must be positive"),
                arguments(rule("channels", "a:*", "ttl", Duration.ofSeconds(-1)), "gateway.events.local.history[0].ttl", "must be positive"),
                arguments(rule("channels", "a:*", "ttl", Duration.ofNanos(10)), "gateway.events.local.history[0].ttl", "must be at least 1ms"),
                arguments(rule("channels", "a:*", "ttl", Duration.ofDays(366)), "gateway.events.local.history[0].ttl", "must be at most 365d"));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void mistakesNameTheirPath(Map<String, Object> rule, String path, String problem) {
        assertThatThrownBy(() -> HistoryRule.readAll(config(rule), "history"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(path + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void theRecordKeepsTheSameLimits() {
        ChannelGlob all = ChannelGlob.compile("*");
        assertThatThrownBy(() -> new HistoryRule(all, 0, Duration.ofMinutes(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HistoryRule(all, 1_000_001, Duration.ofMinutes(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HistoryRule(all, 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HistoryRule(all, 1, Duration.ofDays(366))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HistoryRule(null, 1, Duration.ofMinutes(5))).isInstanceOf(NullPointerException.class);
        assertThat(new HistoryRule(all, 1_000_000, Duration.ofMillis(1)).size()).isEqualTo(1_000_000);
    }

    @SafeVarargs
    private static PluginConfig config(Map<String, ?>... rules) {
        return new MapPluginConfig("gateway.events.local", Map.of("history", List.of(rules)));
    }

    private static Map<String, Object> rule(Object... keysAndValues) {
        Map<String, Object> rule = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            rule.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return rule;
    }
}
