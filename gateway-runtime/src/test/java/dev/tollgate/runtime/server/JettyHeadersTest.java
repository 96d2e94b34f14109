package dev.tollgate.runtime.server;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JettyHeadersTest {
    @Test
    void visitsEveryFieldInOrderWhateverJettyFieldsItViews() {
        HttpFields request = HttpFields.build().add("Host", "a.example").add("X-One", "1").add("x-two", "2").asImmutable();
        HttpFields.Mutable response = new HttpFields.Mutable.Wrapper(HttpFields.build().add("Date", "d").add("X-Request-Id", "r"));

        assertThat(visit(JettyHeaders.copyOnWrite(request))).containsExactly("Host=a.example", "X-One=1", "x-two=2");
        assertThat(visit(JettyHeaders.of(response))).containsExactly("Date=d", "X-Request-Id=r");
        JettyHeaders copied = JettyHeaders.copyOnWrite(request);
        copied.add("X-Three", "3");
        assertThat(visit(copied)).containsExactly("Host=a.example", "X-One=1", "x-two=2", "X-Three=3");
        assertThat(visit(JettyHeaders.copyOnWrite(HttpFields.EMPTY))).isEmpty();
    }

    @Test
    void fieldsAddedOrSetKnowTheirWellKnownHeaderHoweverTheNameIsSpelt() {
        HttpFields.Mutable fields = HttpFields.build();
        JettyHeaders headers = JettyHeaders.of(fields);
        headers.add(HttpHeader.CONTENT_TYPE.asString(), "text/plain");
        headers.add(new String("cache-control".toCharArray()), "no-store");
        headers.add("X-Custom", "1");
        headers.set("CACHE-CONTROL", "max-age=5");

        assertThat(fields.getField(HttpHeader.CONTENT_TYPE).getValue()).isEqualTo("text/plain");
        assertThat(fields.getValuesList(HttpHeader.CACHE_CONTROL)).containsExactly("max-age=5");
        assertThat(fields.getField("CACHE-CONTROL").getName()).isEqualTo("CACHE-CONTROL");
        HttpField custom = fields.getField("x-custom");
        assertThat(custom.getHeader()).isNull();
        assertThat(custom.getValue()).isEqualTo("1");
    }

    private static List<String> visit(JettyHeaders headers) {
        List<String> seen = new ArrayList<>();
        headers.forEach((name, value) -> seen.add(name + "=" + value));
        return seen;
    }
}
