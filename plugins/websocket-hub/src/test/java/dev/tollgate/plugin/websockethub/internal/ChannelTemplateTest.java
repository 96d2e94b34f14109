package dev.tollgate.plugin.websockethub.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelTemplateTest {

    @Test
    void fillsPathParametersAndTheUser() throws Exception {
        ChannelTemplate template = ChannelTemplate.parse("project:{project_id}:user:{user}");
        assertThat(template.resolve(Map.of("project_id", "42"), "alice")).isEqualTo("project:42:user:alice");
        assertThat(ChannelTemplate.parse("broadcast").resolve(Map.of(), null)).isEqualTo("broadcast");
        assertThatThrownBy(() -> template.resolve(Map.of("project_id", "42"), null))
                .isInstanceOfSatisfying(ChannelTemplate.MissingValueException.class, e -> assertThat(e.placeholder()).isEqualTo("{user}"));
        assertThatThrownBy(() -> template.resolve(Map.of(), "alice"))
                .isInstanceOfSatisfying(ChannelTemplate.MissingValueException.class, e -> assertThat(e.placeholder()).isEqualTo("{project_id}"));
    }

    @Test
    void refusesMalformedTemplates() {
        for (String bad : new String[] {"", "a:{", "a:{}", "a:{b c}", "a:}", "a:{x}}"}) {
            assertThatThrownBy(() -> ChannelTemplate.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
