package dev.tollgate.runtime.config;

import com.typesafe.config.ConfigFactory;
import dev.tollgate.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HoconConfigTest {

    @Test
    void anErrorAboutAnExplicitNullNamesWhereTheNullWasWritten() {
        HoconConfig block = new HoconConfig(ConfigFactory.parseString("a = 1\nb = null\nc { d = null }"), "test");
        assertThat(block.error("b", "is wrong")).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.path()).isEqualTo("test.b");
            assertThat(e.origin()).isEqualTo("String: 2");
        });
        assertThat(block.error("c.d", "is wrong").origin()).isEqualTo("String: 3");
        assertThatThrownBy(() -> block.getInt("b"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("String: 2: test.b: is null but must be a whole number");
    }
}
