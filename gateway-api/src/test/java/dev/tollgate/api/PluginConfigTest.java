package dev.tollgate.api;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginConfigTest {

    @Test
    void knownKeysPass() {
        PluginConfig config = new MapPluginConfig("gateway.block", Map.of("a", "1", "b", "2"));
        assertThatCode(() -> config.refuseUnknownKeys(Set.of("a", "b", "c"))).doesNotThrowAnyException();
    }

    @Test
    void anUnknownKeyIsRefusedWithItsPathAndTheKnownKeys() {
        PluginConfig config = new MapPluginConfig("gateway.block", Map.of("a", "1", "sise", "2"));
        assertThatThrownBy(() -> config.refuseUnknownKeys(Set.of("size", "a")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("gateway.block.sise: unknown setting (known: a, size)")
                .extracting(e -> ((InvalidConfigException) e).path()).isEqualTo("gateway.block.sise");
    }
}
